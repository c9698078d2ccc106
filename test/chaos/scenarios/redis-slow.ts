import { atLeast, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

const LATENCY_MS = 400;

/** Every Redis answer held 400 ms (Toxiproxy `latency` on the Redis edge): far over the cache's 100 ms Redis timeout. */
export const redisSlow: Scenario = {
  name: 'redis-slow',
  title: 'Redis slow',
  fault: `latency toxic on cache→Redis, downstream, ${LATENCY_MS} ms`,
  expect: "the cache gives up on Redis after its 100 ms timeout and its breaker keeps it on the local replica; the router never waits more than 250 ms on the cache",
  load: { repeatShare: 0.3 },
  async inject({ edges }) {
    return edges.toxic('cache-redis', { name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: LATENCY_MS, jitter: 0 } });
  },
  bounds: [
    common.baselineClean,
    atLeast('success during ≥ 99 %', (f) => f.during.success, 0.99),
    common.cacheWaitsBounded,
    common.successAfter(),
    common.recovers(8_000),
    common.noJobLost,
  ],
};

import { atLeast, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

/** Redis unreachable for the cache and the health service (Toxiproxy down on the Redis edge). */
export const redisDown: Scenario = {
  name: 'redis-down',
  title: 'Redis down',
  fault: 'cache→Redis proxy disabled (every Redis client: cache, health PING, agent breaker store)',
  expect: 'every request still succeeds; the cache answers repeated prompts from its local replica; the mode says DEGRADED (Redis is unreachable) and comes back',
  load: { repeatShare: 0.3 },
  backWhen: (s) => s.ok && s.mode === 'NORMAL',
  async inject({ edges }) {
    await edges.down('cache-redis');
    return () => edges.up('cache-redis');
  },
  bounds: [
    common.baselineClean,
    atLeast('success during ≥ 99 %', (f) => f.during.success, 0.99),
    common.cacheWaitsBounded,
    atLeast('repeated prompts answered from the cache during ≥ 1', (f) => f.during.fromCache, 1, 'count'),
    atLeast('the mode said DEGRADED', (f) => (f.modeChanges.some((c) => c.endsWith('DEGRADED')) ? 1 : 0), 1, 'count'),
    common.successAfter(),
    common.recovers(8_000),
    common.noJobLost,
  ],
};

import { atLeast, atMost, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

/** Every openai call (probes included) gets 429 with Retry-After: 2 s, from the simulator: a proxy cannot make HTTP statuses. */
export const provider429Storm: Scenario = {
  name: 'provider-429-storm',
  title: 'Provider 429 storm',
  fault: 'simulator: openai answers every request 429 with Retry-After 2 s',
  expect: 'requests fail over to anthropic at once (not after the Retry-After); the router keeps off openai for its Retry-After and the breaker opens; little traffic reaches openai while it refuses',
  target: 'openai',
  countCallsBy: 'simulator',
  async inject(ctx) {
    await ctx.simFaults('openai', { errorStatus: 429, retryAfterMs: 2_000 });
    return () => ctx.clearSimFaults('openai');
  },
  bounds: [
    common.baselineClean,
    atLeast('success during ≥ 99 %', (f) => f.during.success, 0.99),
    // failover.max_retry_wait (250 ms): the 2 s Retry-After is not waited out while anthropic is left
    atMost('p99 during ≤ baseline p99 + 500 ms (a 429 fails over, its Retry-After is not waited out)', (f) => f.during.p99, (f) => (f.before.p99 ?? 0) + 500),
    atMost('openai taken out within 3 s', (f) => f.isolation?.ms, 3_000),
    atMost('calls reaching openai after it was taken out ≤ 10', (f) => f.callsAfterIsolation?.count, 10, 'count'),
    common.successAfter(),
    common.recovers(15_000),
    common.noJobLost,
  ],
};

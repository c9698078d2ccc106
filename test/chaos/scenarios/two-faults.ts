import { atLeast, atMost, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

/** The whole primary tier out at once, for two different reasons: openai's link is down and anthropic answers 503. */
export const twoFaults: Scenario = {
  name: 'two-faults',
  title: 'Two faults at once (primary tier out)',
  fault: 'agent→openai proxy disabled + simulator: anthropic answers every request 503',
  expect: 'requests fail over to the secondary tier (google, cohere); the mode goes CRITICAL (every primary down) and back to NORMAL',
  target: 'anthropic',
  countCallsBy: 'simulator',
  async inject(ctx) {
    await ctx.edges.down('agent-openai');
    await ctx.simFaults('anthropic', { errorStatus: 503 });
    return async () => {
      await ctx.edges.up('agent-openai');
      await ctx.clearSimFaults('anthropic');
    };
  },
  bounds: [
    common.baselineClean,
    atLeast('success during ≥ 98 %', (f) => f.during.success, 0.98),
    common.deadlineHeld,
    atMost('anthropic taken out within 3 s', (f) => f.isolation?.ms, 3_000),
    atMost('calls reaching anthropic after it was taken out ≤ 10', (f) => f.callsAfterIsolation?.count, 10, 'count'),
    atLeast('the mode said CRITICAL', (f) => (f.modeChanges.some((c) => c.endsWith('CRITICAL')) ? 1 : 0), 1, 'count'),
    common.successAfter(),
    common.recovers(15_000),
    common.noJobLost,
  ],
};

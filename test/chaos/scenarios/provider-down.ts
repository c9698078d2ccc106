import { atLeast, atMost, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

/** openai's link goes down: connections refused, open ones closed (Toxiproxy `enabled: false`). */
export const providerDown: Scenario = {
  name: 'provider-down',
  title: 'Provider down',
  fault: 'agent→openai proxy disabled (Toxiproxy down: open connections closed, new ones refused)',
  expect: 'requests fail over at once to anthropic and on; probes take openai out; it is back within cooldown + ramp after the link returns',
  target: 'openai',
  countCallsBy: 'attempts',
  async inject({ edges }) {
    await edges.down('agent-openai');
    return () => edges.up('agent-openai');
  },
  bounds: [
    common.baselineClean,
    atLeast('success during ≥ 99 %', (f) => f.during.success, 0.99),
    // The agent may retry a refused connection with backoff (0–200, 0–400 ms) before its breaker opens.
    atMost('p99 during ≤ baseline p99 + 1 s', (f) => f.during.p99, (f) => (f.before.p99 ?? 0) + 1_000),
    atMost('openai taken out within 3 s', (f) => f.isolation?.ms, 3_000),
    atMost('calls reaching openai after it was taken out ≤ 10', (f) => f.callsAfterIsolation?.count, 10, 'count'),
    common.successAfter(),
    common.recovers(10_000),
    common.noJobLost,
  ],
};

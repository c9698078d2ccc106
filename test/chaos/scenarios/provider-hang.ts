import { atLeast, atMost, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

/** openai takes requests and never answers (Toxiproxy `timeout` 0 downstream: responses dropped, connections held). */
export const providerHang: Scenario = {
  name: 'provider-hang',
  title: 'Provider hang (timeout)',
  fault: 'timeout toxic on agent→openai, downstream, timeout 0 (requests arrive, no byte of any answer comes back)',
  expect: "calls to openai end at the agent's attempt timeout (2 s) and fail over; probes (1 s timeout) and the breaker take openai out; no request outlives its 5 s deadline",
  target: 'openai',
  countCallsBy: 'simulator',
  async inject({ edges }) {
    return edges.toxic('agent-openai', { name: 'hang', type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 0 } });
  },
  bounds: [
    common.baselineClean,
    atLeast('success during ≥ 90 %', (f) => f.during.success, 0.9),
    common.deadlineHeld,
    atMost('openai taken out within 5 s', (f) => f.isolation?.ms, 5_000),
    atMost('calls reaching openai after it was taken out ≤ 10', (f) => f.callsAfterIsolation?.count, 10, 'count'),
    common.successAfter(),
    common.recovers(12_000),
    common.noJobLost,
  ],
};

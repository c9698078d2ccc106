import { DEFAULTS_TUNING } from '../harness/chaos-config.ts';
import { atLeast, atMost, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

/**
 * openai takes requests and never answers (Toxiproxy `timeout` 0 downstream: responses
 * dropped, connections held), on the timeouts users run (`DEFAULTS_TUNING`: the agent's
 * 20 s attempt timeout, 15 s first-token timeout, 30 s probe interval) and no caller
 * deadline (the load gives up only after 60 s). The bounds are issue #17's.
 */
export const providerHang: Scenario = {
  name: 'provider-hang',
  title: 'Provider hang (timeout)',
  fault: 'timeout toxic on agent→openai, downstream, timeout 0 (requests arrive, no byte of any answer comes back), for 20 s, on the default timeouts and probe interval',
  expect:
    'calls waiting on openai count as slow at 5 × its first-token p95 (at least 3 s), five in a row open its breaker and the calls still waiting fail over at once; no request waits more than 8 s; from 10 s on, p99 under 2 s and at most 10 calls reach openai',
  target: 'openai',
  countCallsBy: 'simulator',
  tuning: DEFAULTS_TUNING,
  load: { timeoutMs: 60_000 },
  // 8 s of baseline: the agent judges a wait by the provider's own first-token p95, known after 20 answers.
  phases: { beforeMs: 8_000, faultMs: 20_000, afterMs: 25_000 },
  async inject({ edges }) {
    return edges.toxic('agent-openai', { name: 'hang', type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 0 } });
  },
  bounds: [
    common.baselineClean,
    atLeast('success during = 100 %', (f) => f.during.success, 1),
    atMost('no request waits more than 8 s', (f) => f.during.max, 8_000),
    atMost('openai taken out within 5 s', (f) => f.isolation?.ms, 5_000),
    atMost('p99 from 10 s after the hang < 2 s', (f) => f.settled.p99, 1_999),
    atLeast('answers from 10 s after the hang ≥ 100', (f) => f.settled.ok, 100, 'count'),
    atMost('calls reaching openai from 10 s after the hang ≤ 10', (f) => f.callsSettled?.count, 10, 'count'),
    common.successAfter(),
    // The breaker's second trip (a half-open probe that hung too) holds it open 10 s.
    common.recovers(20_000),
    common.noJobLost,
  ],
};

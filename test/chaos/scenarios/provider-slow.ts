import { DEFAULTS_TUNING } from '../harness/chaos-config.ts';
import { atLeast, atMost, common } from '../harness/bounds.ts';
import type { Scenario } from '../harness/scenario.ts';

const LATENCY_MS = 600;

/**
 * openai answers, but every response is held 600 ± 100 ms on its link (Toxiproxy
 * `latency`), on the timeouts users run (`DEFAULTS_TUNING`) and no caller deadline.
 */
export const providerSlow: Scenario = {
  name: 'provider-slow',
  title: 'Provider slow (latency)',
  fault: `latency toxic on agent→openai, downstream, ${LATENCY_MS} ± 100 ms`,
  expect: 'every request still succeeds; the requests that land on openai take about 600 ms longer; nothing trips (600 ms on top of a sub-second first token stays under the slow-wait threshold, 5 × its p95 and at least 3 s)',
  target: 'openai',
  countCallsBy: 'simulator',
  tuning: DEFAULTS_TUNING,
  load: { timeoutMs: 60_000 },
  async inject({ edges }) {
    return edges.toxic('agent-openai', { name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: LATENCY_MS, jitter: 100 } });
  },
  bounds: [
    common.baselineClean,
    atLeast('success during ≥ 99 %', (f) => f.during.success, 0.99),
    atMost('p99 during ≤ baseline p99 + 600 ms + 1 s', (f) => f.during.p99, (f) => (f.before.p99 ?? 0) + LATENCY_MS + 1_000),
    common.successAfter(),
    common.recovers(8_000),
    common.noJobLost,
  ],
};

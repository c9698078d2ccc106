import { Code } from '@connectrpc/connect';
import { Mode, ServedFrom, type Attempt, type ChatAnswer } from '@ultra/contracts/chat';
import type { Meter } from '@opentelemetry/api';
import { attemptsOf, outcomeName } from '@ultra/runtime';
import { toRpcError } from './rpc-errors.ts';

const SERVED: Record<number, string> = {
  [ServedFrom.PROVIDER]: 'provider',
  [ServedFrom.CACHE]: 'cache',
  [ServedFrom.STALE_CACHE]: 'stale-cache',
  [ServedFrom.QUEUE]: 'queue',
};

/** The router's request metrics: counts and latency by outcome and where answers came from, attempts and failovers by provider. */
export function createFlowMetrics(meter: Meter, currentMode: () => Mode) {
  const requests = meter.createCounter('ultra_requests', { description: 'Requests answered by the router, by outcome and where the answer came from' });
  const duration = meter.createHistogram('ultra_request_duration_seconds', {
    description: 'Request latency at the router, in seconds',
    advice: { explicitBucketBoundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] },
  });
  const attempts = meter.createCounter('ultra_provider_attempts', { description: 'Provider attempts by provider and outcome' });
  const failovers = meter.createCounter('ultra_failovers', { description: 'Failovers away from a provider' });
  meter.createObservableGauge('ultra_mode', { description: 'Degraded mode the router serves in: 1 NORMAL, 2 DEGRADED, 3 CRITICAL, 4 OUTAGE' }).addCallback((r) => r.observe(currentMode()));

  const countAttempts = (list: readonly Attempt[]) => {
    list.forEach((a, i) => {
      attempts.add(1, { provider: a.provider, outcome: outcomeName(a.outcome) });
      if (i > 0 && list[i - 1]!.provider !== a.provider) failovers.add(1, { from: list[i - 1]!.provider });
    });
  };

  return {
    servedName: (answer: ChatAnswer) => SERVED[answer.servedFrom] ?? 'provider',
    answered(answer: ChatAnswer, seconds: number, stream: boolean) {
      const served = SERVED[answer.servedFrom] ?? 'provider';
      requests.add(1, { outcome: 'ok', served_from: served, stream });
      duration.record(seconds, { served_from: served, stream });
      countAttempts(answer.attempts);
    },
    failed(err: unknown, seconds: number, stream: boolean) {
      const code = Code[toRpcError(err).code] ?? 'unknown';
      requests.add(1, { outcome: code, served_from: 'none', stream });
      duration.record(seconds, { served_from: 'none', stream });
      countAttempts(attemptsOf(err));
    },
  };
}

export type FlowMetrics = ReturnType<typeof createFlowMetrics>;

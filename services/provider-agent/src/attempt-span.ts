import type { AttemptContext, AttemptResult } from '@ultra/resilience';
import { outcomeName } from '@ultra/runtime';
import { inSpan } from '@ultra/telemetry';

/** Attempts and retries (attempts after the first) so far, by provider and outcome. */
export interface AttemptTally {
  readonly provider: string;
  readonly outcome: string;
  attempts: number;
  retries: number;
}

const tallies = new Map<string, AttemptTally>();

/** Every provider and outcome seen so far in this process, for the metrics. */
export const attemptTallies = (): Iterable<AttemptTally> => tallies.values();

function tally(provider: string, outcome: string, attempt: number): void {
  const key = `${provider}\u0000${outcome}`;
  let t = tallies.get(key);
  if (!t) tallies.set(key, (t = { provider, outcome, attempts: 0, retries: 0 }));
  t.attempts++;
  if (attempt > 1) t.retries++;
}

/**
 * One attempt of a provider call in a span of its own (`ultra.agent.attempt`), so that a
 * trace shows each retry: the attempt's number, the breaker's decision (set by `admit`),
 * the outcome and any Retry-After. The provider's HTTP call, when one is made, is its
 * child. Each attempt is also tallied for the agent's metrics.
 */
export function inAttemptSpan<T>(provider: string, fn: (ctx: AttemptContext) => Promise<AttemptResult<T>>): (ctx: AttemptContext) => Promise<AttemptResult<T>> {
  return (ctx) =>
    inSpan('ultra.agent.attempt', { 'ultra.provider': provider, 'ultra.attempt': ctx.attempt }, async (span) => {
      const result = await fn(ctx);
      const outcome = result.ok ? 'ok' : outcomeName(result.outcome);
      tally(provider, outcome, ctx.attempt);
      span.setAttribute('ultra.outcome', outcome);
      if (!result.ok && result.retryAfterMs) span.setAttribute('ultra.retry_after_ms', result.retryAfterMs);
      return result;
    });
}

import type { AttemptContext, AttemptResult } from '@ultra/resilience';
import { outcomeName } from '@ultra/runtime';
import { inSpan } from '@ultra/telemetry';

/**
 * One attempt of a provider call in a span of its own (`ultra.agent.attempt`), so that a
 * trace shows each retry: the attempt's number, the breaker's decision (set by `admit`),
 * the outcome and any Retry-After. The provider's HTTP call, when one is made, is its child.
 */
export function inAttemptSpan<T>(provider: string, fn: (ctx: AttemptContext) => Promise<AttemptResult<T>>): (ctx: AttemptContext) => Promise<AttemptResult<T>> {
  return (ctx) =>
    inSpan('ultra.agent.attempt', { 'ultra.provider': provider, 'ultra.attempt': ctx.attempt }, async (span) => {
      const result = await fn(ctx);
      span.setAttribute('ultra.outcome', result.ok ? 'ok' : outcomeName(result.outcome));
      if (!result.ok && result.retryAfterMs) span.setAttribute('ultra.retry_after_ms', result.retryAfterMs);
      return result;
    });
}

import type { ChatAnswer } from '@ultra/contracts/chat';
import { outcomeName } from '@ultra/runtime';
import { inSpan } from '@ultra/telemetry';
import { agentRetryWait, remaining, type FlowDeps, type Prepared } from './context.ts';
import { attemptsFromError } from './failures.ts';
import type { StartAttempt } from './launch.ts';

/**
 * A plain request's attempt: one call to the agent for one candidate, bounded by what is
 * left of the deadline; its first event is the whole answer. With another candidate left
 * (`more`), the agent retries this one only after short waits (`failover.max_retry_wait`):
 * a 429 asking for seconds fails over at once instead.
 */
export function plainAttempt(deps: FlowDeps, p: Prepared): StartAttempt<ChatAnswer> {
  return (c, abort, more) =>
    inSpan('ultra.attempt', { 'ultra.provider': c.provider, 'ultra.model': c.model, 'ultra.tier': c.tier }, async (span) => {
      const started = deps.clock.now();
      try {
        const maxRetryWaitMs = agentRetryWait(deps, more);
        const res = await deps.agent.invoke({ provider: c.provider, model: c.model, request: p.request, maxRetryWaitMs }, { signal: abort.signal, timeoutMs: Math.max(1, remaining(deps, p)) });
        span.setAttribute('ultra.outcome', 'ok');
        return { ok: true, value: res.answer! };
      } catch (e) {
        const attempts = attemptsFromError(c, e, deps.clock.now() - started);
        span.setAttribute('ultra.outcome', outcomeName(attempts.at(-1)!.outcome));
        return { ok: false, attempts };
      }
    });
}

import type { Completion } from '@ultra/providers';
import { runWithRetry } from '@ultra/resilience';
import { inAttemptSpan } from './attempt-span.ts';
import { createAttemptTimer } from './attempt-timer.ts';
import { isConcurrencyRefusal, MAX_REQUEUES, requeued } from './load-signal.ts';
import { admit, failed, giveUp, retryPlan, succeeded, type CallInput, type CallParts } from './provider-call.ts';
import type { AttemptReport } from './provider-call-error.ts';

/** A whole answer and every attempt it took. */
export interface CompleteResult {
  readonly completion: Completion;
  readonly attempts: readonly AttemptReport[];
}

/**
 * One non-streamed call through a provider's breaker, bulkhead and retry policy:
 * retries (with backoff, Retry-After, the budget and the caller's deadline) happen here,
 * each attempt bounded by `attemptTimeoutMs`. A 429 that says "too many at once" lowers
 * the concurrency limit and the call waits for a slot again (see `load-signal.ts`).
 * @throws ProviderCallError listing every attempt, when no attempt answered
 */
export async function invokeComplete(parts: CallParts, input: CallInput): Promise<CompleteResult> {
  const reports: AttemptReport[] = [];
  const { limit, options } = retryPlan(parts, input);
  const result = await runWithRetry<Completion>(inAttemptSpan(parts.name, async () => {
    // A concurrency 429 sends the call back to wait for a slot, within the same attempt.
    for (let requeues = 0; ; requeues++) {
      const slot = await admit(parts, limit, reports, input, requeues === 0);
      if ('ok' in slot) return slot;
      const started = parts.clock.now();
      const timer = createAttemptTimer(parts.clock, input.signal, parts.attemptTimeoutMs, `no answer within ${parts.attemptTimeoutMs} ms (retry.attempt_timeout)`);
      try {
        const completion = await parts.adapter.complete(input.model, input.request, { signal: timer.signal });
        succeeded(parts, slot, { latencyMs: parts.clock.now() - started }, reports);
        return { ok: true, value: completion };
      } catch (e) {
        if (requeues < MAX_REQUEUES && timer.expired === undefined && isConcurrencyRefusal(parts, slot, e)) {
          requeued(parts, slot, e, reports);
          continue;
        }
        return failed(parts, slot, e, timer, reports, false);
      } finally {
        timer.dispose();
        slot.release();
      }
    }
  }), options);
  if (result.ok) return { completion: result.value, attempts: reports };
  throw giveUp(parts.name, result, reports);
}

import type { Completion } from '@ultra/providers';
import { runWithRetry } from '@ultra/resilience';
import { inAttemptSpan } from './attempt-span.ts';
import { follow } from './invoke-stream.ts';
import { giveUp, retryPlan, type CallInput, type CallParts } from './provider-call.ts';
import type { AttemptReport } from './provider-call-error.ts';
import { streamAttempt, type Started } from './stream-attempt.ts';

/** A whole answer and every attempt it took. */
export interface CompleteResult {
  readonly completion: Completion;
  readonly attempts: readonly AttemptReport[];
}

/**
 * One call for a whole answer through a provider's breaker, bulkhead and retry policy.
 * The provider is called in streaming mode all the same and the answer assembled from
 * its stream (the adapter's `done` carries the text, tool calls, usage and finish reason
 * exactly as its whole-answer form would), so every attempt has a first-token time: a
 * hang is cut after the first-token wait (the shorter of `first_token_timeout` and
 * `retry.attempt_timeout`), a long answer never for being long, only for an idle gap
 * (`idle_timeout`). Retries happen here (backoff, Retry-After, the budget, the caller's
 * deadline) until the first token; a concurrency 429 waits for a slot again.
 * @throws ProviderCallError listing every attempt, when no attempt answered
 */
export async function invokeComplete(parts: CallParts, input: CallInput): Promise<CompleteResult> {
  const reports: AttemptReport[] = [];
  const { limit, options } = retryPlan(parts, input);
  const result = await runWithRetry<Started>(inAttemptSpan(parts.name, streamAttempt(parts, input, limit, reports, true)), options);
  if (!result.ok) throw giveUp(parts.name, result, reports);
  for await (const event of follow(parts, result.value, reports)) {
    if (event.type === 'done') return { completion: event.completion, attempts: event.attempts };
  }
  throw giveUp(parts.name, { reason: 'stream-started' }, reports); // follow ends only with done or a throw
}

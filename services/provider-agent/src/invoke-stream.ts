import { Outcome } from '@ultra/contracts/chat';
import type { Completion, StreamEvent, ToolCallPiece } from '@ultra/providers';
import { runWithRetry } from '@ultra/resilience';
import { inAttemptSpan } from './attempt-span.ts';
import { failed, giveUp, retryPlan, succeeded, type CallInput, type CallParts } from './provider-call.ts';
import type { AttemptReport } from './provider-call-error.ts';
import { metricsOf, streamAttempt, type Started } from './stream-attempt.ts';

export { MIN_TOKENS_FOR_RATE } from './stream-attempt.ts';

/** What a stream through the agent yields: its text piece by piece, then the answer with every attempt it took. */
export type AgentStreamEvent =
  | { readonly type: 'delta'; readonly text: string; readonly toolCalls?: readonly ToolCallPiece[] | undefined }
  | { readonly type: 'done'; readonly completion: Completion; readonly attempts: readonly AttemptReport[] };

/**
 * One streamed call. Attempts are retried (as for `invokeComplete`) only until the first
 * token: once text has gone to the caller nothing is retried. Time to first token and
 * tokens per second are measured and reported to the breaker; the bulkhead slot is held
 * until the stream ends, and a stream the caller abandons is settled as CANCELLED.
 * @throws ProviderCallError listing every attempt
 */
export async function* invokeStream(parts: CallParts, input: CallInput): AsyncGenerator<AgentStreamEvent> {
  const reports: AttemptReport[] = [];
  const { limit, options } = retryPlan(parts, input);
  const result = await runWithRetry<Started>(inAttemptSpan(parts.name, streamAttempt(parts, input, limit, reports, false)), options);
  if (!result.ok) throw giveUp(parts.name, result, reports);
  yield* follow(parts, result.value, reports);
}

/** Passes the rest of a started stream on; whatever happens now is never retried. */
export async function* follow(parts: CallParts, s: Started, reports: AttemptReport[]): AsyncGenerator<AgentStreamEvent> {
  const idle = parts.idleTimeoutMs;
  let settled = false;
  try {
    let event = s.first;
    for (;;) {
      if (event.type === 'done') {
        succeeded(parts, s.slot, metricsOf(s, event.completion, parts.clock.now()), reports);
        settled = true;
        yield { type: 'done', completion: event.completion, attempts: reports };
        return;
      }
      yield { type: 'delta', text: event.text, toolCalls: event.toolCalls };
      s.timer.arm(idle, `no token for ${idle} ms (idle_timeout)`);
      let next: IteratorResult<StreamEvent>;
      try {
        next = await s.iterator.next();
        if (next.done) throw new Error('the stream ended without an answer');
      } catch (e) {
        failed(parts, s.slot, e, s.timer, reports, true);
        settled = true;
        throw giveUp(parts.name, { reason: 'stream-started' }, reports);
      }
      s.timer.arm(0, '');
      event = next.value;
    }
  } finally {
    s.timer.dispose();
    if (!settled) {
      // The caller stopped reading: free the HTTP call; the provider did nothing wrong.
      try {
        await s.iterator.return?.();
      } catch {
        // the stream was ending anyway
      }
      parts.breaker.onFailure(s.slot.permit, Outcome.CANCELLED);
      reports.push({ outcome: Outcome.CANCELLED, latencyMs: parts.clock.now() - s.slot.startedAt, detail: 'the caller stopped reading the stream', retryAfterMs: 0 });
    }
    s.slot.release();
  }
}

import type { StreamEvent } from '@ultra/providers';
import type { AttemptResult, CallMetrics } from '@ultra/resilience';
import type { Completion } from '@ultra/providers';
import { createAttemptTimer, type AttemptTimer } from './attempt-timer.ts';
import { isConcurrencyRefusal, MAX_REQUEUES, requeued } from './load-signal.ts';
import { admit, failed, type CallInput, type CallParts, type Slot } from './provider-call.ts';
import type { AttemptReport } from './provider-call-error.ts';
import type { AttemptLimit } from '@ultra/resilience';

/** Below this many output tokens a stream's rate is not reported to the breaker: too short to measure. */
export const MIN_TOKENS_FOR_RATE = 16;

/** A stream that has delivered its first event. */
export interface Started {
  readonly iterator: AsyncIterator<StreamEvent>;
  readonly first: StreamEvent;
  readonly slot: Slot;
  readonly timer: AttemptTimer;
  /** Epoch ms the provider call started, and its first event arrived. */
  readonly callStartedAt: number;
  readonly firstAt: number;
}

/** What the call reports to the breaker once its answer is whole. */
export function metricsOf(s: Started, completion: Completion, doneAt: number): CallMetrics {
  const tokens = completion.usage?.completionTokens ?? 0;
  const seconds = (doneAt - s.firstAt) / 1000;
  return {
    latencyMs: doneAt - s.callStartedAt,
    ttftMs: s.firstAt - s.callStartedAt,
    ...(tokens >= MIN_TOKENS_FOR_RATE && seconds > 0 ? { tokensPerSecond: tokens / seconds } : {}),
  };
}

/**
 * How long an attempt waits for its first event, and the name of that limit for errors.
 * A stream waits `first_token_timeout`; a whole answer (streamed from the provider all
 * the same) the shorter of that and `retry.attempt_timeout`. 0 = no limit.
 */
export function firstWaitOf(parts: CallParts, whole: boolean): { ms: number; label: string } {
  const ftt = { ms: parts.firstTokenTimeoutMs, label: `no first token within ${parts.firstTokenTimeoutMs} ms (first_token_timeout)` };
  const att = { ms: parts.attemptTimeoutMs, label: `no answer within ${parts.attemptTimeoutMs} ms (retry.attempt_timeout)` };
  if (!whole || att.ms <= 0) return ftt;
  return ftt.ms <= 0 || att.ms < ftt.ms ? att : ftt;
}

/**
 * One attempt, for `runWithRetry`, up to the stream's first event: admitted by the breaker
 * and the bulkhead, bounded by the first-token wait, counted slow by the breaker once it
 * has waited its provider's slow-wait threshold (while it still waits), and rescued (cut, UNAVAILABLE, not
 * retried here) when the provider is found sick meanwhile. A first-token timeout is not
 * retried on this provider when the caller has another one (`maxRetryWaitMs` > 0).
 */
export function streamAttempt(parts: CallParts, input: CallInput, limit: AttemptLimit, reports: AttemptReport[], whole: boolean): () => Promise<AttemptResult<Started>> {
  const { clock } = parts;
  const wait = firstWaitOf(parts, whole);
  return async () => {
    for (let requeues = 0; ; requeues++) {
      const slot = await admit(parts, limit, reports, input, requeues === 0);
      if ('ok' in slot) return slot;
      const callStartedAt = clock.now();
      const timer = createAttemptTimer(clock, input.signal, wait.ms, wait.label);
      const leave = parts.waiting.add((detail) => timer.rescue(`${detail} (after ${clock.now() - callStartedAt} ms)`));
      const slowMs = parts.slowWaitMs();
      const slow = slowMs > 0 ? clock.setTimeout(() => parts.breaker.onSlow(slot.permit), slowMs) : undefined;
      const stopWaiting = () => {
        leave();
        clock.clearTimeout(slow);
      };
      try {
        const iterator = parts.adapter.stream(input.model, input.request, { signal: timer.signal })[Symbol.asyncIterator]();
        const first = await iterator.next();
        stopWaiting();
        if (first.done) throw new Error('the stream ended without an answer');
        timer.arm(0, '');
        return { ok: true, value: { iterator, first: first.value, slot, timer, callStartedAt, firstAt: clock.now() } };
      } catch (e) {
        stopWaiting();
        timer.dispose();
        if (requeues < MAX_REQUEUES && timer.expired === undefined && timer.rescued === undefined && isConcurrencyRefusal(parts, slot, e)) {
          requeued(parts, slot, e, reports);
          continue;
        }
        slot.release();
        const failure = failed(parts, slot, e, timer, reports, false, timer.expired !== undefined && (input.maxRetryWaitMs ?? 0) > 0);
        // The other agents hear what this failure meant (a Retry-After, a trip) before the caller does.
        if (parts.fleet) await parts.fleet.told();
        return failure;
      }
    }
  };
}

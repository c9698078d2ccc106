import type { Outcome } from '@ultra/contracts/chat';
import { defaultBackoffOptions, type Backoff, type BackoffOptions } from './backoff.ts';
import { RETRYABLE_OUTCOMES } from './outcomes.ts';

/** Every knob of a retry policy. Pass a `Partial<>`; missing fields take {@link defaultRetryOptions}. */
export interface RetryOptions extends BackoffOptions {
  /** Attempts in all, the first one included (3 = one try and two retries). Default 3. */
  readonly maxAttempts: number;
  /** Outcomes worth another attempt on the same provider. Default {@link RETRYABLE_OUTCOMES}. */
  readonly retryableOutcomes: readonly Outcome[];
  /**
   * A provider's Retry-After longer than this is not waited out here: the call gives up
   * (`'retry-after-too-long'`) so the router can go elsewhere at once. Milliseconds. Default 10000.
   */
  readonly retryAfterMaxMs: number;
  /**
   * The longest wait before a retry (the backoff step or Retry-After, whichever is longer);
   * a retry that would wait longer is not made (`'wait-too-long'`). A router with another
   * provider left sets it per request so that it fails over rather than waits. Milliseconds.
   * Default `Infinity` (no limit beyond the others).
   */
  readonly maxWaitMs: number;
}

export const defaultRetryOptions: RetryOptions = Object.freeze({
  ...defaultBackoffOptions,
  maxAttempts: 3,
  retryableOutcomes: RETRYABLE_OUTCOMES,
  retryAfterMaxMs: 10_000,
  maxWaitMs: Infinity,
});

/**
 * Merges `options` over the defaults and checks them.
 * @throws RangeError naming the bad field and its value
 */
export function resolveRetryOptions(options: Partial<RetryOptions> = {}): RetryOptions {
  const o: RetryOptions = { ...defaultRetryOptions, ...options };
  const problems = [
    !(Number.isInteger(o.maxAttempts) && o.maxAttempts >= 1) && `retry.maxAttempts must be an integer ≥ 1, got ${o.maxAttempts}`,
    !(o.baseMs > 0) && `retry.baseMs must be > 0 ms, got ${o.baseMs}`,
    !(o.capMs >= o.baseMs) && `retry.capMs must be ≥ baseMs, got ${o.capMs}`,
    !['full', 'equal', 'decorrelated', 'none'].includes(o.jitter) && `retry.jitter must be full, equal, decorrelated or none, got ${JSON.stringify(o.jitter)}`,
    !(o.retryAfterMaxMs >= 0) && `retry.retryAfterMaxMs must be ≥ 0 ms, got ${o.retryAfterMaxMs}`,
    !(o.maxWaitMs >= 0) && `retry.maxWaitMs must be ≥ 0 ms, got ${o.maxWaitMs}`,
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  return Object.freeze({ ...o, retryableOutcomes: Object.freeze([...o.retryableOutcomes]) });
}

/** Why no further attempt is made. */
export type GiveUpReason = 'stream-started' | 'fail-over' | 'not-retryable' | 'max-attempts' | 'retry-after-too-long' | 'wait-too-long' | 'deadline';

/** What {@link decideRetry} looks at after a failed attempt. */
export interface RetryInput {
  /** Attempts made so far, the failed one included (1 after the first). */
  readonly attempt: number;
  readonly outcome: Outcome;
  /** The provider's Retry-After, milliseconds. */
  readonly retryAfterMs?: number;
  /** Epoch ms by which the caller needs an answer; no attempt starts at or after it. */
  readonly deadlineAt?: number;
  /** Epoch ms now. */
  readonly now: number;
  /** True once the stream has delivered its first token: what the client saw cannot be taken back. */
  readonly streamStarted: boolean;
  /** True when the attempt says another provider should have the next try (no first token came, and the caller has one). */
  readonly failOver?: boolean;
  /** The backoff for this retry; its step is drawn only when every other check passes. */
  readonly backoff: Backoff;
}

export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number; readonly backoff: Backoff }
  | { readonly retry: false; readonly reason: GiveUpReason };

/**
 * Whether to try again and after how long. Pure apart from the backoff's draw. The delay
 * is `max(backoff, Retry-After)`; a retry that would wait longer than `maxWaitMs`, or could
 * not start before the deadline, is not made.
 */
export function decideRetry(policy: RetryOptions, input: RetryInput): RetryDecision {
  if (input.streamStarted) return { retry: false, reason: 'stream-started' };
  if (input.failOver === true) return { retry: false, reason: 'fail-over' };
  if (!policy.retryableOutcomes.includes(input.outcome)) return { retry: false, reason: 'not-retryable' };
  if (input.attempt >= policy.maxAttempts) return { retry: false, reason: 'max-attempts' };
  const retryAfterMs = input.retryAfterMs ?? 0;
  if (retryAfterMs > policy.retryAfterMaxMs) return { retry: false, reason: 'retry-after-too-long' };
  const step = input.backoff.next();
  const delayMs = Math.max(step.delayMs, retryAfterMs);
  if (delayMs > policy.maxWaitMs) return { retry: false, reason: 'wait-too-long' };
  if (input.deadlineAt !== undefined && input.now + delayMs >= input.deadlineAt) return { retry: false, reason: 'deadline' };
  return { retry: true, delayMs, backoff: step.next };
}

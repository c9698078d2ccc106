import type { QueueConfig } from '@ultra/config';
import type { Random } from '@ultra/core';
import { backoffDelay } from '@ultra/resilience/backoff';

/** What to do after a failed attempt. */
export type RetryDecision = { kind: 'retry'; delayMs: number } | { kind: 'dead-letter'; reason: string };

export interface FailedAttempt {
  /** The attempt that failed, 1-based, counted since submit or the last redrive. */
  attempt: number;
  /** Attempts the job may make (per redrive). */
  maxAttempts: number;
  /** Whether the queue retries the attempt's error class (config `retry_on`). */
  retried: boolean;
  /** The error class, in config's spelling (`server_error`). */
  outcome: string;
  /** The provider's Retry-After, ms (0: none). */
  retryAfterMs: number;
  /** When the attempt ended, and the job's deadline, epoch ms. */
  now: number;
  deadline: number;
}

/** The queue's retry policy: which errors are retried, how long to wait, when to stop. */
export interface RetryPolicy {
  /** The delay after attempt `attempt` failed, Retry-After honoured when configured. Draws from the injected random. */
  delayFor(attempt: number, retryAfterMs: number): number;
  decide(failure: FailedAttempt): RetryDecision;
}

/**
 * The policy `queue:` describes: `backoff` is the delay once attempt n failed,
 * `min(cap, base × 2^(n-1))` jittered (`@ultra/resilience`'s {@link backoffDelay}; the
 * queue's default jitter is `equal`), raised to the provider's Retry-After when
 * `honor_retry_after` is on.
 * @param random draws for the jitter; inject a seeded one in tests
 */
export function createRetryPolicy(config: Pick<QueueConfig, 'backoff' | 'honorRetryAfter'>, random: Random): RetryPolicy {
  const delayFor = (attempt: number, retryAfterMs: number) => {
    const backoff = backoffDelay(config.backoff, attempt, random);
    return config.honorRetryAfter ? Math.max(backoff, Math.ceil(retryAfterMs)) : backoff;
  };
  return {
    delayFor,
    decide(f) {
      if (!f.retried) return { kind: 'dead-letter', reason: `${f.outcome} is not retried (queue.retry_on)` };
      if (f.attempt >= f.maxAttempts) return { kind: 'dead-letter', reason: `used all ${f.maxAttempts} attempts; the last ended in ${f.outcome}` };
      const delayMs = delayFor(f.attempt, f.retryAfterMs);
      if (f.now + delayMs >= f.deadline) {
        return { kind: 'dead-letter', reason: `the next attempt (in ${delayMs} ms) would start after the job's deadline; the last ended in ${f.outcome}` };
      }
      return { kind: 'retry', delayMs };
    },
  };
}

/** The name of the queue's custom backoff strategy in BullMQ job options. */
export const BACKOFF_TYPE = 'ultra';

/**
 * A failed attempt the processor has decided to retry after `delayMs`. BullMQ's custom
 * backoff strategy ({@link backoffStrategy}) hands that delay back, so the schedule and the
 * attempt record (`next_attempt_at`) agree on one draw.
 */
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

export const isRetryLater = (e: unknown): e is RetryLater => e instanceof RetryLater;

/**
 * BullMQ's `settings.backoffStrategy`: the delay a {@link RetryLater} carries; -1 (no retry,
 * dead-letter) for any other error, so nothing is retried that the policy did not decide.
 */
export function backoffStrategy(_attemptsMade: number, _type: string | undefined, err: Error | undefined): number {
  return isRetryLater(err) ? err.delayMs : -1;
}

/**
 * BullMQ's limiter for `rate` jobs per second (0: none), in small windows so no window
 * starts a burst: one job per 1000/rate ms up to 10/s, above that ⌈rate/10⌉ jobs per
 * window of about 100 ms.
 */
export function limiterFor(rate: number): { max: number; duration: number } | undefined {
  if (!(rate > 0)) return undefined;
  const max = Math.ceil(rate / 10);
  return { max, duration: Math.round((1000 * max) / rate) };
}

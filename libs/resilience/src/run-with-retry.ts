import { Outcome } from '@ultra/contracts/chat';
import type { Clock, Random } from '@ultra/core';
import { createBackoff } from './backoff.ts';
import { decideRetry, resolveRetryOptions, type GiveUpReason, type RetryOptions } from './retry.ts';
import type { RetryBudget } from './retry-budget.ts';
import { sleep } from './sleep.ts';

/** What each attempt is given. */
export interface AttemptContext {
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly signal: AbortSignal | undefined;
}

/** A failed attempt, reported by the attempt function (it returns failures, it does not throw them). */
export interface AttemptFailure {
  readonly ok: false;
  readonly outcome: Outcome;
  /** The provider's Retry-After. Milliseconds. */
  readonly retryAfterMs?: number;
  /** True when a stream had delivered its first token before it failed. */
  readonly streamStarted?: boolean;
  /** True when the next try belongs to another provider, not this one (see `RetryInput.failOver`). */
  readonly failOver?: boolean;
  readonly error?: unknown;
}

export type AttemptResult<T> = { readonly ok: true; readonly value: T } | AttemptFailure;

/** One attempt, for the caller's telemetry and the `x-ultra-attempts` header. */
export interface AttemptRecord {
  readonly attempt: number;
  readonly outcome: Outcome;
  /** Epoch ms the attempt started. */
  readonly startedAt: number;
  /** Milliseconds it took. */
  readonly latencyMs: number;
  /** Milliseconds waited before it (0 for the first). */
  readonly delayMs: number;
}

/** Why {@link runWithRetry} stopped without a value. */
export type RunGiveUpReason = GiveUpReason | 'budget' | 'aborted' | 'threw';

export type RunResult<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: readonly AttemptRecord[] }
  | {
      readonly ok: false;
      readonly reason: RunGiveUpReason;
      /** The last attempt's outcome (`CANCELLED` when aborted, `UNSPECIFIED` when the function threw). */
      readonly outcome: Outcome;
      readonly retryAfterMs?: number;
      readonly error?: unknown;
      readonly attempts: readonly AttemptRecord[];
    };

export interface RunWithRetryOptions {
  /** Merged over `defaultRetryOptions`. */
  readonly policy?: Partial<RetryOptions>;
  readonly clock: Clock;
  /** Draws the backoff's jitter. */
  readonly random: Random;
  /** Stops waiting and attempting once aborted; also passed to every attempt. */
  readonly signal?: AbortSignal;
  /** Epoch ms; no attempt starts at or after it. */
  readonly deadlineAt?: number;
  /** Drained by provider failures, refilled by successes, asked before every retry. */
  readonly budget?: RetryBudget;
}

/**
 * Runs `fn` until it succeeds or {@link decideRetry} (or the budget, or the signal) says
 * stop, sleeping between attempts on the injected clock. Never rejects: every way out
 * is a {@link RunResult} carrying the record of each attempt.
 */
export async function runWithRetry<T>(fn: (ctx: AttemptContext) => Promise<AttemptResult<T>>, options: RunWithRetryOptions): Promise<RunResult<T>> {
  const { clock, signal, budget, deadlineAt } = options;
  const policy = resolveRetryOptions(options.policy);
  const attempts: AttemptRecord[] = [];
  let backoff = createBackoff(policy, options.random);
  let delayMs = 0;
  const aborted = () => ({ ok: false, reason: 'aborted', outcome: Outcome.CANCELLED, attempts }) as const;

  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) return aborted();
    const startedAt = clock.now();
    let result: AttemptResult<T>;
    try {
      result = await fn({ attempt, signal });
    } catch (error) {
      attempts.push({ attempt, outcome: Outcome.UNSPECIFIED, startedAt, latencyMs: clock.now() - startedAt, delayMs });
      return { ok: false, reason: 'threw', outcome: Outcome.UNSPECIFIED, error, attempts };
    }
    const outcome = result.ok ? Outcome.OK : result.outcome;
    attempts.push({ attempt, outcome, startedAt, latencyMs: clock.now() - startedAt, delayMs });
    if (result.ok) {
      budget?.onSuccess();
      return { ok: true, value: result.value, attempts };
    }
    if (policy.retryableOutcomes.includes(outcome)) budget?.onFailure();

    const failure = {
      ok: false,
      outcome,
      attempts,
      ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
      ...(result.error !== undefined ? { error: result.error } : {}),
    } as const;
    if (signal?.aborted) return aborted();
    const decision = decideRetry(policy, {
      attempt,
      outcome,
      now: clock.now(),
      streamStarted: result.streamStarted ?? false,
      ...(result.failOver === true ? { failOver: true } : {}),
      backoff,
      ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
      ...(deadlineAt !== undefined ? { deadlineAt } : {}),
    });
    if (!decision.retry) return { ...failure, reason: decision.reason };
    if (budget && !budget.canRetry()) return { ...failure, reason: 'budget' };
    backoff = decision.backoff;
    delayMs = decision.delayMs;
    if (!(await sleep(clock, delayMs, signal))) return aborted();
  }
}

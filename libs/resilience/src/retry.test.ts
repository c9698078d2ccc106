import { Outcome } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import type { Backoff } from './backoff.ts';
import { decideRetry, resolveRetryOptions, type RetryInput } from './retry.ts';

/** A backoff that always proposes `ms` and counts how often it was drawn. */
function fixed(ms: number, drawn = { count: 0 }): Backoff {
  return { next: () => (drawn.count++, { delayMs: ms, next: fixed(ms, drawn) }) };
}

const policy = resolveRetryOptions({});
const base: RetryInput = { attempt: 1, outcome: Outcome.SERVER_ERROR, now: 1_000, streamStarted: false, backoff: fixed(300) };

describe('decideRetry', () => {
  it('retries a retryable failure after the backoff delay', () => {
    expect(decideRetry(policy, base)).toMatchObject({ retry: true, delayMs: 300 });
  });

  it('retries each default retryable outcome and none of the client errors', () => {
    const yes = [Outcome.RATE_LIMITED, Outcome.OVERLOADED, Outcome.SERVER_ERROR, Outcome.TIMEOUT, Outcome.CONNECTION, Outcome.MALFORMED_RESPONSE];
    const no = [Outcome.BAD_REQUEST, Outcome.AUTH_FAILED, Outcome.CONTEXT_TOO_LONG, Outcome.CONTENT_REFUSED, Outcome.CANCELLED, Outcome.UNAVAILABLE, Outcome.OK];
    for (const outcome of yes) expect(decideRetry(policy, { ...base, outcome }).retry).toBe(true);
    for (const outcome of no) expect(decideRetry(policy, { ...base, outcome })).toEqual({ retry: false, reason: 'not-retryable' });
  });

  it('takes a per-policy set of retryable outcomes', () => {
    const strict = resolveRetryOptions({ retryableOutcomes: [Outcome.TIMEOUT] });
    expect(decideRetry(strict, { ...base, outcome: Outcome.SERVER_ERROR })).toEqual({ retry: false, reason: 'not-retryable' });
    expect(decideRetry(strict, { ...base, outcome: Outcome.TIMEOUT }).retry).toBe(true);
  });

  it('stops at maxAttempts, the first attempt included', () => {
    expect(decideRetry(policy, { ...base, attempt: 2 }).retry).toBe(true);
    expect(decideRetry(policy, { ...base, attempt: 3 })).toEqual({ retry: false, reason: 'max-attempts' });
  });

  it('never retries once the stream has delivered its first token, even a retryable failure', () => {
    expect(decideRetry(policy, { ...base, outcome: Outcome.TIMEOUT, streamStarted: true })).toEqual({ retry: false, reason: 'stream-started' });
  });

  it('waits max(backoff, Retry-After)', () => {
    expect(decideRetry(policy, { ...base, retryAfterMs: 2_000 })).toMatchObject({ retry: true, delayMs: 2_000 });
    expect(decideRetry(policy, { ...base, retryAfterMs: 100 })).toMatchObject({ retry: true, delayMs: 300 });
  });

  it('gives up rather than wait out a Retry-After longer than retryAfterMaxMs', () => {
    expect(decideRetry(policy, { ...base, retryAfterMs: 10_001 })).toEqual({ retry: false, reason: 'retry-after-too-long' });
  });

  it('gives up rather than wait longer than maxWaitMs, for a backoff step as for a Retry-After', () => {
    const short = resolveRetryOptions({ maxWaitMs: 250 });
    expect(decideRetry(short, { ...base, retryAfterMs: 1_000 })).toEqual({ retry: false, reason: 'wait-too-long' });
    expect(decideRetry(short, base)).toEqual({ retry: false, reason: 'wait-too-long' }); // the 300 ms step
    expect(decideRetry(resolveRetryOptions({ maxWaitMs: 300 }), base)).toMatchObject({ retry: true, delayMs: 300 });
    expect(() => resolveRetryOptions({ maxWaitMs: -1 })).toThrow('retry.maxWaitMs must be ≥ 0 ms, got -1');
  });

  it('never plans an attempt at or past the deadline', () => {
    expect(decideRetry(policy, { ...base, deadlineAt: 1_301 }).retry).toBe(true);
    expect(decideRetry(policy, { ...base, deadlineAt: 1_300 })).toEqual({ retry: false, reason: 'deadline' });
    expect(decideRetry(policy, { ...base, deadlineAt: 5_000, retryAfterMs: 4_000 })).toEqual({ retry: false, reason: 'deadline' });
  });

  it('draws from the backoff only when it retries', () => {
    const drawn = { count: 0 };
    decideRetry(policy, { ...base, outcome: Outcome.BAD_REQUEST, backoff: fixed(300, drawn) });
    decideRetry(policy, { ...base, attempt: 3, backoff: fixed(300, drawn) });
    expect(drawn.count).toBe(0);
  });

  it('rejects bad options with the field and value', () => {
    expect(() => resolveRetryOptions({ maxAttempts: 0 })).toThrow('retry.maxAttempts must be an integer ≥ 1, got 0');
  });
});

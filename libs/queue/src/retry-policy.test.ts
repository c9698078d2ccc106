import { describe, expect, it } from 'vitest';
import { backoffStrategy, createRetryPolicy, limiterFor, RetryLater } from './retry-policy.ts';

const base = { baseMs: 100, capMs: 1_000 };

describe('the retry policy', () => {
  const failure = { attempt: 1, maxAttempts: 3, retried: true, outcome: 'server_error', retryAfterMs: 0, now: 0, deadline: 60_000 };

  it('retries a retried class after the backoff delay', () => {
    const policy = createRetryPolicy({ backoff: { ...base, jitter: 'none' }, honorRetryAfter: true }, () => 0);
    expect(policy.decide(failure)).toEqual({ kind: 'retry', delayMs: 100 });
    expect(policy.decide({ ...failure, attempt: 2 })).toEqual({ kind: 'retry', delayMs: 200 });
  });

  it('dead-letters after the last attempt, at once for a class not retried, and when the deadline comes first', () => {
    const policy = createRetryPolicy({ backoff: { ...base, jitter: 'none' }, honorRetryAfter: true }, () => 0);
    expect(policy.decide({ ...failure, attempt: 3 })).toEqual({ kind: 'dead-letter', reason: 'used all 3 attempts; the last ended in server_error' });
    expect(policy.decide({ ...failure, retried: false, outcome: 'bad_request' })).toMatchObject({ kind: 'dead-letter', reason: expect.stringMatching(/bad_request is not retried/) });
    expect(policy.decide({ ...failure, now: 59_950 })).toMatchObject({ kind: 'dead-letter', reason: expect.stringMatching(/after the job's deadline/) });
  });

  it("waits at least a provider's Retry-After, even past the cap, unless told not to", () => {
    const honours = createRetryPolicy({ backoff: { ...base, jitter: 'none' }, honorRetryAfter: true }, () => 0);
    expect(honours.decide({ ...failure, outcome: 'rate_limited', retryAfterMs: 5_000 })).toEqual({ kind: 'retry', delayMs: 5_000 });
    const ignores = createRetryPolicy({ backoff: { ...base, jitter: 'none' }, honorRetryAfter: false }, () => 0);
    expect(ignores.decide({ ...failure, outcome: 'rate_limited', retryAfterMs: 5_000 })).toEqual({ kind: 'retry', delayMs: 100 });
  });
});

describe("BullMQ's side", () => {
  it('the backoff strategy hands back the delay the processor decided, and refuses anything else', () => {
    expect(backoffStrategy(1, 'ultra', new RetryLater('server_error', 321))).toBe(321);
    expect(backoffStrategy(1, 'ultra', new Error('boom'))).toBe(-1);
  });

  it('the limiter spreads the drain rate over small windows', () => {
    expect(limiterFor(0)).toBeUndefined();
    expect(limiterFor(2)).toEqual({ max: 1, duration: 500 });
    expect(limiterFor(10)).toEqual({ max: 1, duration: 100 });
    expect(limiterFor(20)).toEqual({ max: 2, duration: 100 });
    expect(limiterFor(15)).toEqual({ max: 2, duration: 133 });
    expect(limiterFor(1000)).toEqual({ max: 100, duration: 100 });
  });
});

import { Outcome } from '@ultra/contracts/chat';
import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { fail, succeed, times } from './breaker-test-helpers.ts';
import { createCircuitBreaker } from './circuit-breaker.ts';

const START = 1_700_000_000_000;
const ratioOnly = { windowSize: 10, minimumCalls: 10, failureRateThreshold: 0.5, consecutiveFailures: 0 };

describe('circuit breaker: when it trips', () => {
  it('does not judge the failure rate before minimumCalls, then trips on the call that reaches it', () => {
    const b = createCircuitBreaker(ratioOnly, { clock: new ManualClock(START) });
    times(9, () => fail(b));
    expect(b.state).toBe('closed');
    fail(b);
    expect(b.state).toBe('open');
  });

  it('trips exactly when the failure ratio reaches the threshold, over the last N calls only', () => {
    const b = createCircuitBreaker(ratioOnly, { clock: new ManualClock(START) });
    times(5, () => succeed(b));
    times(4, () => fail(b));
    succeed(b); // 10 calls, 4 failures: 0.4
    expect(b.state).toBe('closed');
    expect(b.stats()).toMatchObject({ calls: 10, failures: 4 });
    fail(b); // the oldest success slides out: 5 failures of 10 = 0.5
    expect(b.state).toBe('open');
  });

  it('trips on K consecutive failures before minimumCalls; a success resets the run', () => {
    const b = createCircuitBreaker({ consecutiveFailures: 3, minimumCalls: 20 }, { clock: new ManualClock(START) });
    times(2, () => fail(b));
    succeed(b);
    times(2, () => fail(b));
    expect(b.state).toBe('closed');
    fail(b);
    expect(b.state).toBe('open');
  });

  it('does not count client errors, neither as calls nor as a break in a failure run', () => {
    const b = createCircuitBreaker({ consecutiveFailures: 3, minimumCalls: 5, windowSize: 5 }, { clock: new ManualClock(START) });
    const clientErrors = [Outcome.BAD_REQUEST, Outcome.AUTH_FAILED, Outcome.CONTEXT_TOO_LONG, Outcome.CONTENT_REFUSED, Outcome.CANCELLED];
    times(4, () => clientErrors.forEach((o) => fail(b, o)));
    expect(b.state).toBe('closed');
    expect(b.stats()).toMatchObject({ calls: 0, failures: 0, consecutiveFailures: 0 });
    fail(b);
    fail(b);
    fail(b, Outcome.BAD_REQUEST);
    expect(b.stats().consecutiveFailures).toBe(2);
    fail(b, Outcome.TIMEOUT);
    expect(b.state).toBe('open');
  });

  it('counts every provider-unwell outcome as a failure, and takes a custom set', () => {
    const unwell = [Outcome.RATE_LIMITED, Outcome.OVERLOADED, Outcome.SERVER_ERROR, Outcome.TIMEOUT, Outcome.CONNECTION, Outcome.STREAM_BROKEN, Outcome.MALFORMED_RESPONSE];
    const b = createCircuitBreaker({ consecutiveFailures: 0, windowSize: 7, minimumCalls: 7, failureRateThreshold: 1 }, { clock: new ManualClock(START) });
    unwell.forEach((o) => fail(b, o));
    expect(b.state).toBe('open');
    const narrow = createCircuitBreaker({ consecutiveFailures: 2, failureOutcomes: [Outcome.SERVER_ERROR] }, { clock: new ManualClock(START) });
    times(5, () => fail(narrow, Outcome.RATE_LIMITED));
    expect(narrow.state).toBe('closed');
  });

  it('trips on slow time to first token at the slow-call threshold', () => {
    const opts = { ...ratioOnly, slowCallRateThreshold: 0.8, slowTtftMs: 10_000 };
    const b = createCircuitBreaker(opts, { clock: new ManualClock(START) });
    times(3, () => succeed(b, { ttftMs: 10_000 })); // at the limit is not slow
    times(7, () => succeed(b, { ttftMs: 10_001 }));
    expect(b.state).toBe('closed');
    expect(b.stats().slowCalls).toBe(7);
    succeed(b, { ttftMs: 12_000 });
    expect(b.state).toBe('open');
  });

  it('trips on a slow stream (tokens per second below the floor)', () => {
    const opts = { ...ratioOnly, slowCallRateThreshold: 0.8, slowTokensPerSecond: 5 };
    const b = createCircuitBreaker(opts, { clock: new ManualClock(START) });
    times(3, () => succeed(b, { ttftMs: 300, tokensPerSecond: 5 }));
    times(7, () => succeed(b, { ttftMs: 300, tokensPerSecond: 4.9 }));
    expect(b.state).toBe('closed');
    succeed(b, { ttftMs: 300, tokensPerSecond: 1 });
    expect(b.state).toBe('open');
  });
  it('lets a reasoning model think: slowTtftMs 0 turns the first-token check off', () => {
    const b = createCircuitBreaker({ ...ratioOnly, slowTtftMs: 0 }, { clock: new ManualClock(START) });
    times(20, () => succeed(b, { ttftMs: 90_000, tokensPerSecond: 40 }));
    expect(b.state).toBe('closed');
    expect(b.stats().slowCalls).toBe(0);
  });
});

describe('circuit breaker: time window', () => {
  const timeOpts = { windowType: 'time', windowDurationMs: 60_000, windowBuckets: 6, minimumCalls: 5, consecutiveFailures: 0 } as const;

  it('judges the calls of the last windowDurationMs', () => {
    const clock = new ManualClock(START);
    const b = createCircuitBreaker(timeOpts, { clock });
    times(4, () => fail(b));
    clock.advance(30_000);
    fail(b);
    expect(b.state).toBe('open');
  });

  it('forgets calls older than the window', () => {
    const clock = new ManualClock(START);
    const b = createCircuitBreaker(timeOpts, { clock });
    times(4, () => fail(b));
    clock.advance(61_000);
    expect(b.stats().calls).toBe(0);
    fail(b);
    expect(b.state).toBe('closed');
    expect(b.stats()).toMatchObject({ calls: 1, failures: 1 });
  });
});

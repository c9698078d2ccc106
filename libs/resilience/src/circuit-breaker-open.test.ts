import { Outcome } from '@ultra/contracts/chat';
import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { fail, permit, succeed, times } from './breaker-test-helpers.ts';
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker.ts';

const START = 1_700_000_000_000;
// Trips on the second failure in a row; open 5 s, 10 s, then capped at 15 s.
const opts = { consecutiveFailures: 2, openBaseMs: 5_000, openMultiplier: 2, openMaxMs: 15_000, halfOpenProbes: 3, halfOpenSuccesses: 2 };

function tripped(clock: ManualClock): CircuitBreaker {
  const b = createCircuitBreaker(opts, { clock });
  times(2, () => fail(b));
  return b;
}

function retryAfter(b: CircuitBreaker): number {
  const a = b.tryAcquire();
  if (a.allowed) throw new Error(`expected a rejection, the breaker is ${b.state}`);
  return a.retryAfterMs;
}

describe('circuit breaker: open and half-open', () => {
  it('rejects while open with the time left, and goes half-open by timer when the duration ends', () => {
    const clock = new ManualClock(START);
    const b = tripped(clock);
    expect(retryAfter(b)).toBe(5_000);
    clock.advance(4_999);
    expect(b.state).toBe('open');
    expect(retryAfter(b)).toBe(1);
    clock.advance(1);
    expect(b.state).toBe('half-open');
  });

  it('lets halfOpenProbes probes through and closes when halfOpenSuccesses of them succeed', () => {
    const clock = new ManualClock(START);
    const b = tripped(clock);
    clock.advance(5_000);
    const probes = [permit(b), permit(b), permit(b)];
    expect(b.tryAcquire()).toMatchObject({ allowed: false, reason: 'half-open' });
    b.onSuccess(probes[0]!, { latencyMs: 50 });
    expect(b.state).toBe('half-open');
    b.onSuccess(probes[1]!, { latencyMs: 50 });
    expect(b.state).toBe('closed');
    expect(b.tryAcquire().allowed).toBe(true);
  });

  it('reopens on a half-open failure, each time longer, up to openMaxMs', () => {
    const clock = new ManualClock(START);
    const b = tripped(clock);
    const durations = [retryAfter(b)];
    for (let i = 0; i < 3; i++) {
      clock.advance(durations.at(-1)!);
      expect(b.state).toBe('half-open');
      fail(b);
      expect(b.state).toBe('open');
      durations.push(retryAfter(b));
    }
    expect(durations).toEqual([5_000, 10_000, 15_000, 15_000]);
  });

  it('starts again from openBaseMs after a successful close', () => {
    const clock = new ManualClock(START);
    const b = tripped(clock);
    clock.advance(5_000);
    fail(b); // second trip: 10 s
    clock.advance(10_000);
    times(2, () => succeed(b));
    expect(b.state).toBe('closed');
    times(2, () => fail(b));
    expect(retryAfter(b)).toBe(5_000);
  });

  it('treats a slow probe as a failed probe', () => {
    const clock = new ManualClock(START);
    const b = tripped(clock);
    clock.advance(5_000);
    succeed(b, { ttftMs: 60_000 });
    expect(b.state).toBe('open');
    expect(retryAfter(b)).toBe(10_000);
  });

  it('gives the slot of a probe that ended in a client error back, without deciding', () => {
    const clock = new ManualClock(START);
    const b = tripped(clock);
    clock.advance(5_000);
    const probes = [permit(b), permit(b), permit(b)];
    b.onFailure(probes[0]!, Outcome.CONTEXT_TOO_LONG);
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire().allowed).toBe(true);
    expect(b.tryAcquire().allowed).toBe(false);
  });

  it('ignores results of calls admitted before a trip once the breaker has moved on', () => {
    const clock = new ManualClock(START);
    const b = createCircuitBreaker(opts, { clock });
    const early = [permit(b), permit(b), permit(b), permit(b)];
    times(2, () => fail(b));
    clock.advance(5_000);
    b.onSuccess(early[0]!, { latencyMs: 9_000 }); // not a probe: does not close it
    b.onSuccess(early[1]!, { latencyMs: 9_000 });
    expect(b.state).toBe('half-open');
    times(2, () => succeed(b));
    expect(b.state).toBe('closed');
    b.onFailure(early[2]!, Outcome.TIMEOUT); // two stale failures in a row would trip a fresh breaker
    b.onFailure(early[3]!, Outcome.TIMEOUT);
    expect(b.state).toBe('closed');
  });

  it('counts a settled permit once', () => {
    const b = createCircuitBreaker(opts, { clock: new ManualClock(START) });
    const p = permit(b);
    b.onFailure(p, Outcome.SERVER_ERROR);
    b.onFailure(p, Outcome.SERVER_ERROR);
    expect(b.state).toBe('closed');
  });
});

describe('circuit breaker: Retry-After', () => {
  it('stays open at least as long as the Retry-After of the failure that tripped it', () => {
    const clock = new ManualClock(START);
    const b = createCircuitBreaker(opts, { clock });
    fail(b);
    fail(b, Outcome.RATE_LIMITED, 30_000);
    expect(retryAfter(b)).toBe(30_000);
    clock.advance(29_999);
    expect(b.state).toBe('open');
    clock.advance(1);
    expect(b.state).toBe('half-open');
  });

  it('stretches the open time for a Retry-After arriving while open, and re-arms the timer', () => {
    const clock = new ManualClock(START);
    const b = createCircuitBreaker(opts, { clock });
    const late = permit(b);
    times(2, () => fail(b));
    clock.advance(1_000);
    b.onFailure(late, Outcome.RATE_LIMITED, { retryAfterMs: 20_000 });
    expect(retryAfter(b)).toBe(20_000);
    clock.advance(4_000); // the original 5 s are over
    expect(b.state).toBe('open');
    clock.advance(16_000);
    expect(b.state).toBe('half-open');
  });

  it('does not shorten the open time for a short Retry-After', () => {
    const clock = new ManualClock(START);
    const b = createCircuitBreaker(opts, { clock });
    fail(b);
    fail(b, Outcome.RATE_LIMITED, 1_000);
    expect(retryAfter(b)).toBe(5_000);
  });
});

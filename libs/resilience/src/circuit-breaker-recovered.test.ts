import { Outcome } from '@ultra/contracts/chat';
import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { fail, permit, succeed, times } from './breaker-test-helpers.ts';
import { createCircuitBreaker } from './circuit-breaker.ts';

const START = 1_700_000_000_000;
const opts = { consecutiveFailures: 2, openBaseMs: 5_000, openMultiplier: 2, openMaxMs: 120_000, halfOpenProbes: 3, halfOpenSuccesses: 2 };

describe('circuit breaker: recovered()', () => {
  it('half-opens an open breaker at once, whatever its open time grew to, so probes can close it', () => {
    const clock = new ManualClock(START);
    const b = createCircuitBreaker(opts, { clock });
    times(2, () => fail(b));
    for (const openMs of [5_000, 10_000, 20_000]) {
      clock.advance(openMs);
      expect(b.state).toBe('half-open');
      fail(b); // the probe call fails: open again, for twice as long
    }
    expect(b.stats().openUntil! - clock.now()).toBe(40_000);
    b.recovered();
    expect(b.state).toBe('half-open');
    succeed(b);
    succeed(b);
    expect(b.state).toBe('closed');
    expect(b.stats().consecutiveTrips).toBe(0);
  });

  it('changes nothing when closed or half-open, nor when a Retry-After holds it open', () => {
    const clock = new ManualClock(START);
    const b = createCircuitBreaker(opts, { clock });
    b.recovered();
    expect(b.state).toBe('closed');
    times(2, () => fail(b));
    clock.advance(5_000);
    permit(b);
    b.recovered();
    expect(b.state).toBe('half-open');

    const limited = createCircuitBreaker(opts, { clock });
    fail(limited);
    fail(limited, Outcome.RATE_LIMITED, 60_000);
    expect(limited.state).toBe('open');
    limited.recovered();
    expect(limited.state).toBe('open');
    expect(limited.stats().openUntil).toBe(clock.now() + 60_000);
  });
});

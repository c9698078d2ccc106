import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { fail, succeed, times } from './breaker-test-helpers.ts';
import { createCircuitBreaker } from './circuit-breaker.ts';

const START = 1_700_000_000_000;
const opts = { consecutiveFailures: 2, openBaseMs: 5_000, openMaxMs: 60_000 };

describe('circuit breaker: operator states', () => {
  it('forced-open rejects everything and holds until auto, whatever the clock does', () => {
    const clock = new ManualClock(START);
    const b = createCircuitBreaker(opts, { clock });
    b.force('open');
    expect(b.tryAcquire()).toEqual({ allowed: false, reason: 'forced-open', retryAfterMs: 60_000 });
    clock.advance(3_600_000);
    expect(b.state).toBe('forced-open');
    b.force('auto');
    expect(b.state).toBe('closed');
    expect(b.tryAcquire().allowed).toBe(true);
  });

  it('disabled lets every call through and records nothing', () => {
    const b = createCircuitBreaker(opts, { clock: new ManualClock(START) });
    b.force('disabled');
    times(50, () => fail(b));
    expect(b.state).toBe('disabled');
    expect(b.stats()).toMatchObject({ calls: 0, consecutiveFailures: 0 });
    b.force('auto');
    fail(b);
    expect(b.state).toBe('closed');
  });

  it('metrics-only records but never trips; back on auto it judges what it saw', () => {
    const b = createCircuitBreaker({ ...opts, windowSize: 10, minimumCalls: 10 }, { clock: new ManualClock(START) });
    b.force('metrics-only');
    times(10, () => fail(b));
    expect(b.state).toBe('metrics-only');
    expect(b.stats()).toMatchObject({ calls: 10, failures: 10 });
    b.force('auto');
    expect(b.state).toBe('closed');
    fail(b);
    expect(b.state).toBe('open');
  });

  it('force closed ends an open period at once and starts afresh', () => {
    const b = createCircuitBreaker(opts, { clock: new ManualClock(START) });
    times(2, () => fail(b));
    b.force('closed');
    expect(b.state).toBe('closed');
    expect(b.stats()).toMatchObject({ calls: 0, consecutiveTrips: 0 });
    succeed(b);
  });

  it('force auto leaves an automatic state alone', () => {
    const clock = new ManualClock(START);
    const b = createCircuitBreaker(opts, { clock });
    times(2, () => fail(b));
    b.force('auto');
    expect(b.state).toBe('open');
  });
});

describe('circuit breaker: listeners', () => {
  it('tells listeners every change of state, the timer-driven one included', () => {
    const clock = new ManualClock(START);
    const b = createCircuitBreaker(opts, { clock });
    const seen: string[] = [];
    const stop = b.subscribe((c) => seen.push(`${c.from}>${c.to}@${c.at - START}${c.openUntil ? ` until ${c.openUntil - START}` : ''}`));
    times(2, () => fail(b));
    clock.advance(5_000);
    times(2, () => succeed(b));
    stop();
    b.force('open');
    expect(seen).toEqual(['closed>open@0 until 5000', 'open>half-open@5000', 'half-open>closed@5000']);
  });

  it('refuses tryAcquire from inside a listener instead of leaking a permit', () => {
    const b = createCircuitBreaker(opts, { clock: new ManualClock(START) });
    let thrown: unknown;
    b.subscribe(() => {
      try {
        b.tryAcquire();
      } catch (e) {
        thrown = e;
      }
    });
    b.force('open');
    expect(String(thrown)).toMatch(/inside a breaker listener/);
  });
});

describe('circuit breaker: options', () => {
  it('rejects bad options, naming the field, the rule and the value', () => {
    expect(() => createCircuitBreaker({ failureRateThreshold: 1.5, halfOpenSuccesses: 4 }, { clock: new ManualClock() })).toThrow(
      'breaker.failureRateThreshold must be in (0, 1], got 1.5; breaker.halfOpenSuccesses must be an integer in [1, halfOpenProbes], got 4',
    );
    expect(() => createCircuitBreaker({ windowSize: 5 }, { clock: new ManualClock() })).toThrow(/minimumCalls must be ≤ windowSize/);
  });
});

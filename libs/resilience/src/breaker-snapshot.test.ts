import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { fail, times } from './breaker-test-helpers.ts';
import { parseBreakerSnapshot } from './breaker-snapshot.ts';
import { createCircuitBreaker } from './circuit-breaker.ts';

const START = 1_700_000_000_000;
const opts = { consecutiveFailures: 2, openBaseMs: 5_000, openMultiplier: 2 };

describe('breaker snapshot and restore', () => {
  it('keeps a breaker restored while open open until the same moment', () => {
    const clock = new ManualClock(START);
    const before = createCircuitBreaker(opts, { clock });
    times(2, () => fail(before));
    const saved = JSON.parse(JSON.stringify(before.snapshot())) as unknown;
    expect(saved).toEqual({ version: 1, state: 'open', openedAt: START, openUntil: START + 5_000, consecutiveTrips: 1 });
    before.stop();

    clock.advance(3_000); // the agent restarts
    const parsed = parseBreakerSnapshot(saved);
    if (!parsed.ok) throw new Error(parsed.problem);
    const after = createCircuitBreaker(opts, { clock });
    after.restore(parsed.snapshot);
    expect(after.state).toBe('open');
    expect(after.tryAcquire()).toEqual({ allowed: false, reason: 'open', retryAfterMs: 2_000 });
    clock.advance(1_999);
    expect(after.state).toBe('open');
    clock.advance(1);
    expect(after.state).toBe('half-open');
  });

  it('keeps the trip count, so the next trip is longer', () => {
    const clock = new ManualClock(START);
    const after = createCircuitBreaker(opts, { clock });
    after.restore({ version: 1, state: 'open', openedAt: START - 1_000, openUntil: START + 1_000, consecutiveTrips: 2 });
    clock.advance(1_000);
    fail(after);
    expect(after.tryAcquire()).toMatchObject({ retryAfterMs: 20_000 });
  });

  it('restores an open period that ended while the agent was down as half-open', () => {
    const clock = new ManualClock(START);
    const b = createCircuitBreaker(opts, { clock });
    b.restore({ version: 1, state: 'open', openedAt: START - 10_000, openUntil: START - 1, consecutiveTrips: 1 });
    expect(b.state).toBe('half-open');
  });

  it('keeps operator states', () => {
    const b = createCircuitBreaker(opts, { clock: new ManualClock(START) });
    b.force('disabled');
    const c = createCircuitBreaker(opts, { clock: new ManualClock(START) });
    c.restore(b.snapshot());
    expect(c.state).toBe('disabled');
  });

  it('says what is wrong with a stored value', () => {
    expect(parseBreakerSnapshot('open')).toEqual({ ok: false, problem: 'breaker snapshot must be an object, got "open"' });
    expect(parseBreakerSnapshot({ version: 1, state: 'ajar', consecutiveTrips: 0 })).toMatchObject({ ok: false, problem: expect.stringMatching(/got "ajar"/) });
    expect(parseBreakerSnapshot({ version: 1, state: 'open', consecutiveTrips: 1 })).toMatchObject({ ok: false, problem: expect.stringMatching(/openedAt ≤ openUntil/) });
    expect(parseBreakerSnapshot({ version: 1, state: 'closed', consecutiveTrips: 0, extra: true })).toEqual({
      ok: true,
      snapshot: { version: 1, state: 'closed', consecutiveTrips: 0 },
    });
  });
});

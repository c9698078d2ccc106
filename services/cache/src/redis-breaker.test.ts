import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createRedisBreaker } from './redis-breaker.ts';

describe('the breaker around Redis', () => {
  it('opens after the failures in a row, refuses for the open period, then lets one trial through', () => {
    const clock = new ManualClock(0);
    const b = createRedisBreaker({ failures: 3, openMs: 1000 }, clock);
    const seen: string[] = [];
    b.onChange((s) => seen.push(s));
    b.failure();
    b.failure();
    b.success(); // the run is broken
    b.failure();
    b.failure();
    expect(b.state).toBe('closed');
    b.failure();
    expect(b.state).toBe('open');
    expect(b.allow()).toBe(false);
    clock.advance(999);
    expect(b.allow()).toBe(false);
    clock.advance(1);
    expect(b.allow()).toBe(true); // the trial
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(false); // only one
    b.failure();
    expect(b.state).toBe('open');
    expect(b.openUntil).toBe(2000);
    clock.advance(1000);
    expect(b.allow()).toBe(true);
    b.success();
    expect(b.state).toBe('closed');
    expect(seen).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('ignores a late success while open, and closes on reset', () => {
    const b = createRedisBreaker({ failures: 1, openMs: 1000 }, new ManualClock(0));
    b.failure();
    b.success();
    expect(b.state).toBe('open');
    b.reset();
    expect(b.state).toBe('closed');
  });
});

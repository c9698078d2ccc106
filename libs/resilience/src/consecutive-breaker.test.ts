import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createConsecutiveBreaker, defaultConsecutiveBreakerOptions } from './consecutive-breaker.ts';

describe('consecutive-failure breaker', () => {
  it('opens after `failures` failed calls in a row, refuses calls while open, then lets one trial through', () => {
    const clock = new ManualClock();
    const b = createConsecutiveBreaker({ failures: 3, openMs: 1_000 }, clock);
    const seen: string[] = [];
    b.onChange((s) => seen.push(s));
    b.tryStart()!.failure();
    b.tryStart()!.failure();
    expect(b.state).toBe('closed');
    expect(b.suspect).toBe(true);
    b.tryStart()!.failure();
    expect(b.state).toBe('open');
    expect(b.tryStart()).toBeUndefined();
    clock.advance(999);
    expect(b.tryStart()).toBeUndefined();
    clock.advance(1);
    const trial = b.tryStart();
    expect(trial).toBeDefined();
    expect(b.state).toBe('half-open');
    expect(b.tryStart()).toBeUndefined(); // one trial at a time
    trial!.success();
    expect(b.state).toBe('closed');
    expect(b.suspect).toBe(false);
    expect(seen).toEqual(['open', 'half-open', 'closed']);
  });

  it('a failed trial opens it again for another period', () => {
    const clock = new ManualClock();
    const b = createConsecutiveBreaker({ failures: 1, openMs: 500 }, clock);
    b.tryStart()!.failure();
    clock.advance(500);
    b.tryStart()!.failure();
    expect(b.state).toBe('open');
    expect(b.openUntil).toBe(1_000);
  });

  it('an answer resets the count; a neutral end (the caller cancelled) changes nothing but frees the trial', () => {
    const clock = new ManualClock();
    const b = createConsecutiveBreaker({ failures: 2, openMs: 100 }, clock);
    b.tryStart()!.failure();
    b.tryStart()!.success();
    b.tryStart()!.failure();
    expect(b.state).toBe('closed');
    b.tryStart()!.failure();
    expect(b.state).toBe('open');
    clock.advance(100);
    b.tryStart()!.neutral();
    expect(b.state).toBe('half-open');
    expect(b.tryStart()).toBeDefined();
  });

  it('a call started before it opened that answers late does not close it; only its first end counts', () => {
    const clock = new ManualClock();
    const b = createConsecutiveBreaker({ failures: 1, openMs: 100 }, clock);
    const early = b.tryStart()!;
    const failing = b.tryStart()!;
    failing.failure();
    early.success();
    expect(b.state).toBe('open');
    clock.advance(100);
    const trial = b.tryStart()!;
    trial.success();
    trial.failure();
    expect(b.state).toBe('closed');
  });

  it('closes at once on reset (the dependency was heard from another way)', () => {
    const clock = new ManualClock();
    const b = createConsecutiveBreaker({ failures: 1, openMs: 10_000 }, clock);
    b.tryStart()!.failure();
    expect(b.state).toBe('open');
    expect(b.tryStart()).toBeUndefined();
    b.reset();
    expect(b.state).toBe('closed');
    expect(b.suspect).toBe(false);
    expect(b.tryStart()).toBeDefined();
  });

  it('a probe goes through an open breaker: its success closes it, its failure counts as any other', () => {
    const clock = new ManualClock();
    const b = createConsecutiveBreaker({ failures: 2, openMs: 1_000 }, clock);
    b.probe().failure();
    expect(b.state).toBe('closed');
    b.probe().failure();
    expect(b.state).toBe('open');
    b.probe().success();
    expect(b.state).toBe('closed');
  });

  it('takes its defaults, and refuses options that cannot work, naming them', () => {
    expect(defaultConsecutiveBreakerOptions).toEqual({ failures: 3, openMs: 1_000 });
    expect(() => createConsecutiveBreaker({ failures: 0 }, new ManualClock())).toThrow(/failures ≥ 1.*got failures 0, openMs 1000/);
    expect(() => createConsecutiveBreaker({ openMs: -1 }, new ManualClock())).toThrow(/got failures 3, openMs -1/);
  });
});

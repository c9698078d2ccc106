import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createLinkBreaker } from './link-breaker.ts';

describe('link breaker', () => {
  it('opens after `failures` failed calls in a row, refuses calls while open, then lets one trial through', () => {
    const clock = new ManualClock();
    const b = createLinkBreaker({ failures: 3, openMs: 1_000 }, clock);
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
  });

  it('a failed trial opens it again for another period', () => {
    const clock = new ManualClock();
    const b = createLinkBreaker({ failures: 1, openMs: 500 }, clock);
    b.tryStart()!.failure();
    clock.advance(500);
    b.tryStart()!.failure();
    expect(b.state).toBe('open');
    expect(b.openUntil).toBe(1_000);
  });

  it('an answer resets the count; a neutral end (the caller cancelled) changes nothing but frees the trial', () => {
    const clock = new ManualClock();
    const b = createLinkBreaker({ failures: 2, openMs: 100 }, clock);
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

  it('a call started before it opened that answers late does not close it', () => {
    const clock = new ManualClock();
    const b = createLinkBreaker({ failures: 1, openMs: 100 }, clock);
    const early = b.tryStart()!;
    b.tryStart()!.failure();
    early.success();
    expect(b.state).toBe('open');
  });

  it('closes at once when the service is heard from on another call over the link', () => {
    const clock = new ManualClock();
    const b = createLinkBreaker({ failures: 1, openMs: 10_000 }, clock);
    b.tryStart()!.failure();
    expect(b.state).toBe('open');
    expect(b.tryStart()).toBeUndefined();
    b.heard();
    expect(b.state).toBe('closed');
    expect(b.suspect).toBe(false);
    expect(b.tryStart()).toBeDefined();
  });
});

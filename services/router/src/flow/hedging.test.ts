import { parseConfig } from '@ultra/config';
import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createHedging } from './hedging.ts';

const hedgingOf = (yaml = '{}') => parseConfig(`providers: { primary: [openai, anthropic] }\nfailover: { hedging: ${yaml} }\n`, 't.yaml', {}).failover.hedging;

describe('the adaptive hedge delay', () => {
  it('is factor × the provider’s own first-event p95, between min_delay and max_delay, once min_samples are known', () => {
    const h = createHedging(hedgingOf(), new ManualClock(0));
    for (let i = 1; i <= 19; i++) h.firstEvent('openai', i * 100); // 100 … 1900 ms
    expect(h.delayMs('openai')).toBeUndefined(); // 19 < min_samples (20)
    expect(h.plan('openai', true, true)).toEqual([]); // nothing to go by, and the fixed hedge is off
    h.firstEvent('openai', 2000);
    // p95 of 100…2000 ms (nearest rank, 19th of 20) = 1900 ms; × 1.5 = 2850 ms
    expect(h.delayMs('openai')).toBe(2850);
    expect(h.plan('openai', true, true)).toEqual([{ delayMs: 2850, budgeted: true }]);
    expect(h.delayMs('anthropic')).toBeUndefined(); // each provider by its own times

    const fast = createHedging(hedgingOf(), new ManualClock(0));
    for (let i = 0; i < 20; i++) fast.firstEvent('openai', 10);
    expect(fast.delayMs('openai')).toBe(500); // the floor
    const slow = createHedging(hedgingOf(), new ManualClock(0));
    for (let i = 0; i < 20; i++) slow.firstEvent('openai', 60_000);
    expect(slow.delayMs('openai')).toBe(10_000); // the cap
  });

  it('follows the config’s factor, bounds and sample count', () => {
    const h = createHedging(hedgingOf('{ factor: 3, min_delay: 100ms, max_delay: 1s, min_samples: 5 }'), new ManualClock(0));
    for (let i = 0; i < 5; i++) h.firstEvent('openai', 200);
    expect(h.delayMs('openai')).toBe(600);
    for (let i = 0; i < 5; i++) h.firstEvent('anthropic', 20);
    expect(h.delayMs('anthropic')).toBe(100);
  });

  it('keeps the fixed hedge as it was: first candidate only, no budget; the earlier of the two first', () => {
    const h = createHedging(hedgingOf('{ enabled: true, delay: 1s }'), new ManualClock(0));
    expect(h.plan('openai', true, true)).toEqual([{ delayMs: 1000, budgeted: false }]);
    expect(h.plan('openai', false, true)).toEqual([]);
    for (let i = 0; i < 20; i++) h.firstEvent('openai', 400);
    expect(h.plan('openai', true, true)).toEqual([
      { delayMs: 600, budgeted: true },
      { delayMs: 1000, budgeted: false },
    ]);
    expect(h.plan('openai', true, false)).toEqual([]); // the mode turns hedging off
    const off = createHedging(hedgingOf('{ adaptive: false }'), new ManualClock(0));
    for (let i = 0; i < 20; i++) off.firstEvent('openai', 400);
    expect(off.plan('openai', true, true)).toEqual([]);
  });
});

describe('the last-chance hedge', () => {
  it('comes when the next candidate would need factor × its p95 (at least min_delay) of what is left, after the other moments, outside the budget', () => {
    const h = createHedging(hedgingOf(), new ManualClock(0));
    for (let i = 0; i < 20; i++) h.firstEvent('anthropic', 4_000);
    for (let i = 0; i < 20; i++) h.firstEvent('openai', 2_000);
    // openai's adaptive hedge at 3 s; anthropic answers within 1.5 × 4 s, so its last chance is 30 s − 6 s
    expect(h.plan('openai', true, true, { next: 'anthropic', remainingMs: 30_000 })).toEqual([
      { delayMs: 3_000, budgeted: true },
      { delayMs: 24_000, budgeted: false },
    ]);
    // too late for anthropic to make it, or no earlier than the adaptive hedge: none
    expect(h.plan('openai', true, true, { next: 'anthropic', remainingMs: 6_400 })).toEqual([{ delayMs: 3_000, budgeted: true }]);
    expect(h.plan('openai', true, true, { next: 'anthropic', remainingMs: 8_000 })).toEqual([{ delayMs: 3_000, budgeted: true }]);
    expect(h.plan('openai', true, true, { next: 'cohere', remainingMs: 30_000 })).toEqual([{ delayMs: 3_000, budgeted: true }]);
    expect(h.plan('openai', true, false, { next: 'anthropic', remainingMs: 30_000 })).toEqual([]);
    const off = createHedging(hedgingOf('{ last_chance: false }'), new ManualClock(0));
    for (let i = 0; i < 20; i++) off.firstEvent('anthropic', 4_000);
    expect(off.plan('openai', true, true, { next: 'anthropic', remainingMs: 30_000 })).toEqual([]);
  });
});

describe('the hedge budget', () => {
  it('allows budgeted hedges up to ratio × calls over the window (at least min_per_window), and refills as the window moves', () => {
    const clock = new ManualClock(0);
    const h = createHedging(hedgingOf('{ budget: { ratio: 0.05, min_per_window: 1, window: 10s } }'), clock);
    const at = { delayMs: 500, budgeted: true };
    expect(h.mayStart(at)).toBe(true); // the floor: one per window even with no calls counted
    expect(h.mayStart(at)).toBe(false);
    for (let i = 0; i < 100; i++) h.onCall();
    let allowed = 0;
    for (let i = 0; i < 20; i++) if (h.mayStart(at)) allowed++;
    expect(allowed).toBe(4); // 5 % of 100 calls, one of them spent already
    expect(h.mayStart({ delayMs: 2000, budgeted: false })).toBe(true); // the fixed hedge is never refused
    clock.advance(10_000); // the window has moved past every call and hedge
    expect(h.mayStart(at)).toBe(true);
    expect(h.mayStart(at)).toBe(false);
  });
});

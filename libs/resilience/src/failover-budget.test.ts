import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createFailoverBudget, defaultFailoverBudgetOptions } from './failover-budget.ts';

describe('failover budget', () => {
  it('allows failovers up to a share of recent requests, with a floor, over a sliding window', () => {
    const clock = new ManualClock(0);
    const budget = createFailoverBudget({ ratio: 0.2, minPerWindow: 2, windowMs: 10_000 }, clock);
    for (let i = 0; i < 100; i++) budget.onRequest();
    let allowed = 0;
    for (let i = 0; i < 50; i++) if (budget.tryRetry()) allowed++;
    expect(allowed).toBe(20);
    clock.advance(10_000); // the window has passed
    let quiet = 0;
    for (let i = 0; i < 5; i++) if (budget.tryRetry()) quiet++;
    expect(quiet).toBe(2);
  });

  it('takes its documented defaults, and refuses options that cannot work, naming them', () => {
    expect(defaultFailoverBudgetOptions).toEqual({ ratio: 0.2, minPerWindow: 10, windowMs: 10_000 });
    expect(() => createFailoverBudget({ ratio: 1.5 }, new ManualClock())).toThrow(/got ratio 1.5, minPerWindow 10, windowMs 10000/);
  });
});

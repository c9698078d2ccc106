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

  it('shares its floor with the fleet: N routers in a quiet window allow at most the floor + N - 1 together', () => {
    const clock = new ManualClock(0);
    const fleet = { live: 3 };
    const routers = [0, 1, 2].map(() => createFailoverBudget({ minPerWindow: 10 }, clock, fleet));
    const spend = (budgets: typeof routers) => {
      let allowed = 0;
      for (const b of budgets) for (let i = 0; i < 20; i++) if (b.tryRetry()) allowed++;
      return allowed;
    };
    expect(spend(routers)).toBe(12); // ceil(10 / 3) = 4 each, not 10 each
    clock.advance(10_000);
    fleet.live = 2; // a router left: the two left take 5 each, from their next decision
    expect(spend(routers.slice(0, 2))).toBe(10);
    clock.advance(10_000);
    fleet.live = 0; // never below one share: a count of 0 is read as 1
    expect(spend(routers.slice(0, 1))).toBe(10);
    // Alone (no fleet) a router keeps the whole floor, as before.
    clock.advance(10_000);
    expect(spend([createFailoverBudget({ minPerWindow: 10 }, clock)])).toBe(10);
  });

  it('counts the share of requests per router: a busy fleet is not held to the divided floor', () => {
    const clock = new ManualClock(0);
    const fleet = { live: 4 };
    const budget = createFailoverBudget({ ratio: 0.2, minPerWindow: 10 }, clock, fleet);
    for (let i = 0; i < 100; i++) budget.onRequest();
    let allowed = 0;
    for (let i = 0; i < 50; i++) if (budget.tryRetry()) allowed++;
    expect(allowed).toBe(20);
  });

  it('takes its documented defaults, and refuses options that cannot work, naming them', () => {
    expect(defaultFailoverBudgetOptions).toEqual({ ratio: 0.2, minPerWindow: 10, windowMs: 10_000 });
    expect(() => createFailoverBudget({ ratio: 1.5 }, new ManualClock())).toThrow(/got ratio 1.5, minPerWindow 10, windowMs 10000/);
  });
});

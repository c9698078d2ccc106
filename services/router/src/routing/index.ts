import type { UltraConfig } from '@ultra/config';
import type { Clock, Random } from '@ultra/core';
import { createFailoverBudget, type BudgetFleet } from '@ultra/resilience';
import { createProviderBook } from './provider-book.ts';
import { createSelector } from './selector.ts';
import { createStrategy } from './strategy.ts';

/**
 * The router's routing state, made from config: provider book, selector, failover budget
 * (`failover.retry_budget`), whose floor is shared by the routers in `fleet` when there is one
 * (the heartbeats in Redis, router-fleet.ts).
 */
export function createRouting(config: UltraConfig, clock: Clock, random: Random, fleet?: BudgetFleet) {
  const f = config.failover;
  const book = createProviderBook(config.tiers, {
    clock,
    outlier: f.outlierEjection,
    cooldownMs: f.cooldownMs,
    rampMs: f.cooldownRampMs,
  });
  const strategy = createStrategy(f.strategy, { random, weights: f.weights, explore: f.explore });
  const selector = createSelector({ book, strategy, random, sticky: f.stickySessions, panicThreshold: f.panicThreshold });
  const budget = createFailoverBudget(f.retryBudget, clock, fleet);
  return { book, selector, budget };
}

import type { Clock } from '@ultra/core';

export interface RetryBudgetOptions {
  clock: Clock;
  /** Failovers allowed as a share of the requests in the window, 0..1. Default 0.2. */
  ratio: number;
  /** Failovers always allowed per window, so a quiet router can still fail over. Default 10. */
  minPerWindow: number;
  /** The window, ms. Default 10 000. */
  windowMs: number;
}

/**
 * Caps failovers at a share of recent requests (in the manner of Envoy's retry budget and
 * gRPC's retry throttling), so an outage never multiplies the load on the providers left.
 * Counts live in one-second buckets over the window.
 */
export function createRetryBudget(options: RetryBudgetOptions) {
  const bucketMs = 1000;
  const buckets = Math.max(1, Math.ceil(options.windowMs / bucketMs));
  const requests = new Array<number>(buckets).fill(0);
  const retries = new Array<number>(buckets).fill(0);
  let current = Math.floor(options.clock.now() / bucketMs);

  const roll = () => {
    const now = Math.floor(options.clock.now() / bucketMs);
    for (let t = Math.max(current + 1, now - buckets + 1); t <= now; t++) {
      requests[t % buckets] = 0;
      retries[t % buckets] = 0;
    }
    current = Math.max(current, now);
    return current % buckets;
  };
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

  return {
    /** Counts a request. */
    onRequest() {
      requests[roll()]!++;
    },
    /** Takes one failover from the budget; false when the budget is spent. */
    tryRetry(): boolean {
      const i = roll();
      if (sum(retries) >= Math.max(options.minPerWindow, options.ratio * sum(requests))) return false;
      retries[i]!++;
      return true;
    },
  };
}

export type RetryBudget = ReturnType<typeof createRetryBudget>;

import type { Clock } from '@ultra/core';

/**
 * A failover budget: failovers (a request's second and later candidates) are capped at a
 * share of the requests seen over a sliding window, with a floor so that a quiet router
 * can still fail over — Envoy's retry budget (`budget_percent`, `min_retry_concurrency`)
 * counted over time rather than in flight. An outage thus never multiplies the load on
 * the providers left. The per-provider {@link createRetryBudget} (a token bucket) is the
 * other kind: it limits retries against one provider by that provider's own failures.
 */

/** Pass a `Partial<>`; missing fields take {@link defaultFailoverBudgetOptions}. */
export interface FailoverBudgetOptions {
  /** Failovers allowed, a share of the requests in the window. Ratio in [0, 1]. Default 0.2. */
  readonly ratio: number;
  /** Failovers always allowed per window, whatever the traffic. Count, ≥ 0. Default 10. */
  readonly minPerWindow: number;
  /** The window, counted in one-second buckets (at least one). Milliseconds, > 0. Default 10000. */
  readonly windowMs: number;
}

export const defaultFailoverBudgetOptions: FailoverBudgetOptions = Object.freeze({ ratio: 0.2, minPerWindow: 10, windowMs: 10_000 });

export interface FailoverBudget {
  /** Counts a request (once per request, before its first candidate). */
  onRequest(): void;
  /** Takes one failover from the budget; false when the window's share is spent. */
  tryRetry(): boolean;
}

const BUCKET_MS = 1000;

/** The replicas that share one budget's floor: each takes its part of `minPerWindow`. */
export interface BudgetFleet {
  /** Replicas alive now, this one included (at least 1). */
  readonly live: number;
}

/**
 * A failover budget on `clock`; one per router, shared by plain and streamed requests.
 *
 * The share of requests adds up across routers by itself (each counts its own), but a floor
 * does not: N routers would allow N × `minPerWindow`. With `fleet` (the routers alive, from
 * their heartbeats in Redis), each router's floor is ceil(`minPerWindow` / live), so the
 * fleet together allows at most `minPerWindow` + live − 1 in a quiet window. Without it, the
 * whole floor is this router's.
 */
export function createFailoverBudget(options: Partial<FailoverBudgetOptions>, clock: Clock, fleet?: BudgetFleet): FailoverBudget {
  const o: FailoverBudgetOptions = { ...defaultFailoverBudgetOptions, ...options };
  if (!(o.ratio >= 0 && o.ratio <= 1) || !(o.minPerWindow >= 0) || !(o.windowMs > 0)) {
    throw new RangeError(`failover budget needs ratio in [0, 1], minPerWindow ≥ 0 and windowMs > 0, got ratio ${o.ratio}, minPerWindow ${o.minPerWindow}, windowMs ${o.windowMs}`);
  }
  const buckets = Math.max(1, Math.ceil(o.windowMs / BUCKET_MS));
  const requests = new Array<number>(buckets).fill(0);
  const retries = new Array<number>(buckets).fill(0);
  let current = Math.floor(clock.now() / BUCKET_MS);

  /** Clears the buckets the clock has moved past; returns the current one's index. */
  const roll = () => {
    const now = Math.floor(clock.now() / BUCKET_MS);
    for (let t = Math.max(current + 1, now - buckets + 1); t <= now; t++) {
      requests[t % buckets] = 0;
      retries[t % buckets] = 0;
    }
    current = Math.max(current, now);
    return current % buckets;
  };
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  /** This router's part of the floor, read at each decision (the fleet changes). */
  const floor = () => (fleet ? Math.ceil(o.minPerWindow / Math.max(1, fleet.live)) : o.minPerWindow);

  return {
    onRequest() {
      requests[roll()]!++;
    },
    tryRetry() {
      const i = roll();
      if (sum(retries) >= Math.max(floor(), o.ratio * sum(requests))) return false;
      retries[i]!++;
      return true;
    },
  };
}

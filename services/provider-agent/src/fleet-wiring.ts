import type { Clock } from '@ultra/core';
import { openDurationMs, type AdaptiveLimit, type BreakerOptions, type CircuitBreaker, type LimitSource } from '@ultra/resilience';
import type { FleetLink } from './fleet-provider.ts';

/** The bulkhead's limit with other agents: this agent's share of the adaptive limit, or of the fixed `bulkhead.limit`. */
export function fleetLimit(fleet: FleetLink, adaptive: AdaptiveLimit | undefined, fixedLimit: number): LimitSource {
  return {
    get value() {
      return fleet.share(adaptive?.value ?? fixedLimit);
    },
    get latencyMs() {
      return adaptive?.latencyMs ?? 0;
    },
  };
}

/** Lets the fleet move this provider's breaker: take up another agent's change or force, and trip on the fleet's run of failures. */
export function attachBreaker(fleet: FleetLink, breaker: CircuitBreaker, options: BreakerOptions, clock: Clock): void {
  fleet.attach({
    breaker: () => breaker.stats(),
    restore: (snapshot) => breaker.restore(snapshot),
    force: (mode) => breaker.force(mode),
    trip: () => {
      const now = clock.now();
      const trips = breaker.stats().consecutiveTrips + 1;
      breaker.restore({ version: 1, state: 'open', openedAt: now, openUntil: now + openDurationMs(options, trips), consecutiveTrips: trips });
    },
  });
}

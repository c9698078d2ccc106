import type { Clock } from '@ultra/core';
import type { FleetLeases } from './fleet-lease.ts';

/** Options of {@link createFleetRole}. */
export interface FleetRoleDeps {
  readonly leases: FleetLeases;
  readonly clock: Clock;
  /** The role's lease name, e.g. `gauges`. */
  readonly name: string;
  /** How long a holder keeps the role without renewing it: how long a dead holder's role stays empty. Milliseconds. Default 15000. */
  readonly ttlMs?: number;
  /** How often each replica takes (or renews) the role. Milliseconds, below `ttlMs`. Default 5000. */
  readonly everyMs?: number;
  /** Told when this replica takes the role or loses it. */
  readonly onChange?: (held: boolean) => void;
}

/** A role that one replica of a fleet holds at a time; see {@link createFleetRole}. */
export interface FleetRole {
  /** Whether this replica held the role at its last claim. */
  readonly held: boolean;
  /** Takes or renews the role now (also done every `everyMs` once started); resolves with `held`. */
  claim(): Promise<boolean>;
  /** Claims now and every `everyMs` from now. */
  start(): void;
  /** Stops claiming for good and gives the role back, so another replica takes it at its next claim. */
  stop(): void;
}

/**
 * One replica of a fleet does something for the whole fleet (exports the gauges that count
 * shared state, so a sum over replicas counts it once): every replica tries the role's
 * expiring lease every `everyMs`; the holder renews it, the others are refused until it
 * ends. A holder that dies leaves the role empty for at most `ttlMs` + `everyMs`. While
 * Redis cannot answer, who holds it is the leases' `whenUnanswered`: with `refuse` (what
 * a role that reads Redis wants: there is nothing to do then) no replica, so that a router
 * started before its Redis connection is ready does not take it beside the holder; with
 * `grant`, every replica.
 */
export function createFleetRole(deps: FleetRoleDeps): FleetRole {
  const ttlMs = deps.ttlMs ?? 15_000;
  const everyMs = deps.everyMs ?? 5_000;
  if (!(everyMs > 0 && ttlMs > everyMs)) throw new RangeError(`fleet role ${deps.name} needs 0 < everyMs < ttlMs, got everyMs ${everyMs}, ttlMs ${ttlMs}`);
  let held = false;
  let looping = false;
  let stopped = false;
  let timer: unknown;
  const claim = async (): Promise<boolean> => {
    const now = await deps.leases.take(deps.name, ttlMs);
    if (stopped) {
      // Stopped while Redis answered: give back what this claim took.
      if (now) deps.leases.release(deps.name);
      return false;
    }
    if (now !== held) {
      held = now;
      deps.onChange?.(now);
    }
    return held;
  };
  const loop = () => {
    if (stopped || !looping) return;
    timer = deps.clock.setTimeout(() => void claim().finally(loop), everyMs);
  };
  return {
    get held() {
      return held;
    },
    claim,
    start() {
      looping = true;
      void claim().finally(loop);
    },
    stop() {
      stopped = true;
      deps.clock.clearTimeout(timer);
      if (held) deps.leases.release(deps.name);
      held = false;
    },
  };
}

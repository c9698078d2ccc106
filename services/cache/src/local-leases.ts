import type { Clock } from '@ultra/core';

/**
 * The leases this replica knows of: those it granted itself when Redis is absent or
 * unreachable (then the lease is per replica), and those it holds in Redis (so its own
 * waiters need no Redis round trip to learn the lease is taken).
 */
export interface LocalLeases {
  /** Takes the lease when nobody holds it here; else says how long the holder has left, in ms. */
  tryAcquire(scoped: string, token: string, leaseMs: number): { granted: true } | { granted: false; retryInMs: number };
  /** Records a lease taken in Redis. */
  record(scoped: string, token: string, leaseMs: number): void;
  /** How long the lease on `scoped` still holds here, in ms (0 when none). */
  heldFor(scoped: string): number;
  /** Drops the lease when `token` holds it (any token when undefined); true when one was dropped. */
  release(scoped: string, token?: string): boolean;
  readonly size: number;
}

export function createLocalLeases(clock: Clock): LocalLeases {
  const leases = new Map<string, { token: string; until: number }>();
  const prune = () => {
    if (leases.size < 1024) return;
    const now = clock.now();
    for (const [k, l] of leases) if (l.until <= now) leases.delete(k);
  };
  const heldFor = (scoped: string) => {
    const l = leases.get(scoped);
    if (!l) return 0;
    const left = l.until - clock.now();
    if (left > 0) return left;
    leases.delete(scoped);
    return 0;
  };
  return {
    tryAcquire(scoped, token, leaseMs) {
      const left = heldFor(scoped);
      if (left > 0) return { granted: false, retryInMs: left };
      prune();
      leases.set(scoped, { token, until: clock.now() + leaseMs });
      return { granted: true };
    },
    record(scoped, token, leaseMs) {
      prune();
      leases.set(scoped, { token, until: clock.now() + leaseMs });
    },
    heldFor,
    release(scoped, token) {
      const l = leases.get(scoped);
      if (!l || (token !== undefined && l.token !== token)) return false;
      leases.delete(scoped);
      return true;
    },
    get size() {
      return leases.size;
    },
  };
}

import type { Clock } from '@ultra/core';
import type { Lookup, Store } from './store.ts';

export interface LeaseOptions {
  /** How long a granted lease holds, in ms. */
  leaseMs: number;
  /** Longest wait for another holder's value, in ms. */
  waitMs: number;
  /** Take a stale entry at once rather than wait. */
  allowStale: boolean;
  signal: AbortSignal;
}

export type LeaseResult = (
  | { readonly outcome: 'granted'; readonly token: string }
  | { readonly outcome: 'hit' | 'stale'; readonly found: Lookup }
  | { readonly outcome: 'timeout' }
) & { readonly waitedMs: number };

/**
 * Get-or-lease: a fresh value if there is one; else the lease (one holder per key across
 * every replica through Redis, per replica without it); else, when allowed, a stale
 * entry at once; else wait — woken when the value lands or the lease is released or
 * expires, retrying for the lease then — until `waitMs` runs out.
 */
export async function runLease(store: Store, clock: Clock, scoped: string, o: LeaseOptions): Promise<LeaseResult> {
  const { counters } = store;
  const start = clock.now();
  const deadline = start + o.waitMs;
  const watch = store.signals.watch(scoped);
  const token = store.token();
  let waited = false;
  try {
    for (;;) {
      const step = await store.acquire(scoped, token, o.leaseMs);
      const waitedMs = clock.now() - start;
      if (step.kind === 'hit') {
        if (step.found.layer === 'local') counters.localHits++;
        else counters.redisHits++;
        return { outcome: 'hit', found: step.found, waitedMs };
      }
      if (step.kind === 'granted') {
        counters.leaseGrants++;
        counters.misses++;
        return { outcome: 'granted', token, waitedMs };
      }
      if (o.allowStale && step.stale) {
        counters.staleHits++;
        return { outcome: 'stale', found: step.stale, waitedMs };
      }
      const left = deadline - clock.now();
      if (left <= 0 || o.signal.aborted) {
        counters.leaseTimeouts++;
        counters.misses++;
        return { outcome: 'timeout', waitedMs };
      }
      if (!waited) counters.leaseWaits++;
      waited = true;
      await watch.wait(Math.min(left, step.retryInMs), o.signal);
    }
  } finally {
    watch.close();
  }
}

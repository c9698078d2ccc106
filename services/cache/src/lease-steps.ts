import { spanAttributes } from '@ultra/telemetry';
import type { Entry } from './entry.ts';
import type { FillGuard } from './fill-guard.ts';
import type { KeySignals } from './key-signals.ts';
import type { LocalLeases } from './local-leases.ts';
import type { LocalReplica } from './local-replica.ts';
import type { SharedStore } from './shared-store.ts';
import type { Layer, Lookup } from './store.ts';

/** One step of a lease; see `lease-flow.ts`. */
export type LeaseStep =
  | { readonly kind: 'hit'; readonly found: Lookup }
  | { readonly kind: 'granted' }
  | { readonly kind: 'held'; readonly retryInMs: number; readonly stale?: Lookup };

export interface LeaseStepDeps {
  local: LocalReplica;
  leases: LocalLeases;
  shared: SharedStore | undefined;
  guard: FillGuard;
  signals: KeySignals;
  /** The entry's lookup result at this moment (undefined when expired). */
  found(entry: Entry, layer: Layer): Lookup | undefined;
  /** A new, unique lease token. */
  newId(): string;
}

/** The store's lease operations: one holder per key through Redis, per replica without it. */
export function createLeaseSteps(deps: LeaseStepDeps) {
  const { local, leases, shared, guard, signals, found } = deps;
  return {
    /** A new lease token. */
    token: () => deps.newId(),

    /** One lease step: a fresh value, the lease, or who holds it for how long (with a stale entry if there is one). */
    async acquire(scoped: string, token: string, leaseMs: number): Promise<LeaseStep> {
      const cached = local.get(scoped);
      const mine = cached ? found(cached, 'local') : undefined;
      if (mine && !mine.stale) {
        spanAttributes({ 'ultra.cache.layer': 'local' });
        return { kind: 'hit', found: mine };
      }
      const stale = mine ? { stale: mine } : {};
      const heldHere = leases.heldFor(scoped);
      if (heldHere > 0) return { kind: 'held', retryInMs: heldHere, ...stale };
      if (shared) {
        const mark = guard.begin(scoped);
        const r = await shared.acquire(scoped, token, leaseMs);
        if (r.ok && r.value.kind === 'hit' && guard.settle(mark, r.value.entry)) local.set(scoped, r.value.entry);
        else guard.end(mark);
        if (r.ok) {
          const a = r.value;
          if (a.kind === 'hit') {
            spanAttributes({ 'ultra.cache.layer': 'redis' });
            return { kind: 'hit', found: { entry: a.entry, layer: 'redis', stale: false } };
          }
          if (a.kind === 'granted') {
            leases.record(scoped, token, leaseMs);
            spanAttributes({ 'ultra.cache.layer': 'none', 'ultra.lease': 'granted' });
            return { kind: 'granted' };
          }
          spanAttributes({ 'ultra.lease': 'held' });
          const theirs = a.stale ? found(a.stale, 'redis') : undefined;
          return { kind: 'held', retryInMs: a.retryInMs, ...(mine ? stale : theirs ? { stale: theirs } : {}) };
        }
        // Redis unreachable: leases fall back to this replica alone.
      }
      const t = leases.tryAcquire(scoped, token, leaseMs);
      spanAttributes(t.granted ? { 'ultra.cache.layer': 'none', 'ultra.lease': 'granted' } : { 'ultra.lease': 'held' });
      return t.granted ? { kind: 'granted' } : { kind: 'held', retryInMs: t.retryInMs, ...stale };
    },

    /** Gives a lease back (the computation failed) and wakes its waiters everywhere. */
    async release(scoped: string, token: string): Promise<boolean> {
      const here = leases.release(scoped, token);
      signals.notify(scoped);
      if (!shared) return here;
      const r = await shared.release(scoped, token);
      return (r.ok && r.value) || here;
    },
  };
}

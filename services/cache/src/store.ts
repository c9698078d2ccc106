import { spanAttributes } from '@ultra/telemetry';
import type { Clock, Random } from '@ultra/core';
import { createCounters } from './counters.ts';
import { createFillGuard } from './fill-guard.ts';
import { freshness, type Entry } from './entry.ts';
import { matches, type Target } from './invalidation.ts';
import { createKeySignals } from './key-signals.ts';
import { createLeaseSteps } from './lease-steps.ts';
import { createLocalLeases } from './local-leases.ts';
import { createLocalReplica } from './local-replica.ts';
import { createPendingWrites } from './pending-writes.ts';
import { connectRedis, type StoreRedisOptions } from './redis-layer.ts';
import type { RedisHealth } from './redis-sync.ts';
import { scopeKey } from './scope.ts';

export type { StoreRedisOptions } from './redis-layer.ts';

export type Layer = 'local' | 'redis';

export interface Lookup {
  entry: Entry;
  layer: Layer;
  stale: boolean;
}

export type { LeaseStep } from './lease-steps.ts';

export interface StoreOptions {
  clock: Clock;
  /** Draws replica ids, lease tokens and epochs. */
  random: Random;
  /** Most entries in the local replica. */
  maxEntries: number;
  /** Most bytes in the local replica. */
  maxBytes: number;
  /** Without it the cache keeps to the local, in-process replica. */
  redis?: StoreRedisOptions | undefined;
  /** Most writes kept for replay while Redis is away. Default 10 000. */
  maxPending?: number;
  /** How often entries past their stale window are swept from the local replica, in ms. Default 30 000. */
  sweepMs?: number;
}

/**
 * Two layers: this replica's LRU, then Redis. Reads fill the local replica from Redis;
 * writes and invalidations go to both and reach the other replicas through Redis. No
 * Redis failure ever fails a call: the local replica answers, and writes Redis missed
 * are replayed when it returns.
 */
export function createStore(options: StoreOptions) {
  const { clock, random } = options;
  const id = () => Math.floor(random() * 2 ** 48).toString(36);
  const origin = id();
  let tokens = 0;
  const counters = createCounters();
  const local = createLocalReplica({ clock, counters, maxEntries: options.maxEntries, maxBytes: options.maxBytes });
  const signals = createKeySignals(clock);
  const leases = createLocalLeases(clock);
  const pending = createPendingWrites(options.maxPending ?? 10_000, counters);
  const guard = createFillGuard();
  let writes = 0;

  const apply = (target: Target): number => {
    if (target.kind !== 'key') {
      guard.droppedAll();
      const n = local.deleteWhere((k, e) => matches(target, k, e));
      signals.notifyAll();
      return n;
    }
    const scoped = scopeKey(target.namespace, target.value);
    if (target.writeId !== undefined) guard.written(scoped, target.writeId);
    else guard.dropped(scoped);
    // A copy of the very write announced (read from Redis before the message came) stays.
    const held = local.get(scoped);
    const n = held && (target.writeId === undefined || held.id !== target.writeId) && local.delete(scoped) ? 1 : 0;
    leases.release(scoped); // the key was written or deleted: whoever held its lease is done
    signals.notify(scoped);
    return n;
  };

  const { shared, sync } = options.redis
    ? connectRedis(options.redis, {
        local,
        pending,
        counters,
        clock,
        origin,
        newEpoch: id,
        apply,
        released: (scoped) => {
          leases.release(scoped);
          signals.notify(scoped);
        },
        dropLocal: (keep) => {
          guard.droppedAll();
          local.deleteWhere((k) => !keep.has(k));
          signals.notifyAll();
        },
      })
    : { shared: undefined, sync: undefined };

  const found = (entry: Entry, layer: Layer): Lookup | undefined => {
    const f = freshness(entry, clock.now());
    return f === 'expired' ? undefined : { entry, layer, stale: f === 'stale' };
  };
  const leaseSteps = createLeaseSteps({ local, leases, shared, guard, signals, found, newId: () => `${origin}.${(++tokens).toString(36)}.${id()}` });

  let sweep: unknown;
  const sweepMs = options.sweepMs ?? 30_000;
  const sweeper = () => {
    local.purgeExpired();
    sweep = clock.setTimeout(sweeper, sweepMs);
  };
  sweep = clock.setTimeout(sweeper, sweepMs);

  const health: RedisHealth = sync ?? { degraded: false, reason: 'ok', onChange: () => () => undefined };

  return {
    counters,
    local,
    signals,
    health,
    backend: shared ? ('redis' as const) : ('memory' as const),
    get pendingWrites() {
      return pending.size;
    },

    /** Local first, then Redis (filling local). Counts hits and misses per layer. */
    async lookup(scoped: string, allowStale: boolean): Promise<Lookup | undefined> {
      const cached = local.get(scoped);
      if (cached) {
        const hit = found(cached, 'local');
        if (hit && (!hit.stale || allowStale)) {
          if (hit.stale) counters.staleHits++;
          else counters.localHits++;
          spanAttributes({ 'ultra.cache.layer': 'local', 'ultra.cache.stale': hit.stale });
          return hit;
        }
      }
      counters.localMisses++;
      // A stale local copy means Redis holds nothing fresher: a newer Put would have invalidated it.
      if (shared && !cached) {
        const mark = guard.begin(scoped);
        const r = await shared.get(scoped);
        const hit = r.ok && r.value ? found(r.value, 'redis') : undefined;
        if (hit && guard.settle(mark, hit.entry)) local.set(scoped, hit.entry);
        else guard.end(mark);
        if (hit && (!hit.stale || allowStale)) {
          if (hit.stale) counters.staleHits++;
          else counters.redisHits++;
          spanAttributes({ 'ultra.cache.layer': 'redis', 'ultra.cache.stale': hit.stale });
          return hit;
        }
        if (r.ok) counters.redisMisses++;
        else spanAttributes({ 'ultra.cache.redis_error': true });
      }
      counters.misses++;
      spanAttributes({ 'ultra.cache.layer': 'none' });
      return undefined;
    },

    /** Stores in both layers; `leaseToken` fulfils a lease. `shared` is false when Redis did not take it (replayed later). */
    async put(scoped: string, given: Entry, leaseToken = ''): Promise<{ shared: boolean }> {
      counters.puts++;
      const entry: Entry = { ...given, id: `${origin}.${(++writes).toString(36)}` };
      guard.dropped(scoped);
      local.set(scoped, entry);
      if (leaseToken !== '') leases.release(scoped, leaseToken);
      signals.notify(scoped);
      if (!shared) return { shared: false };
      const r = await shared.put(scoped, entry, leaseToken !== '' ? { leaseToken } : {});
      if (!r.ok) pending.add({ kind: 'put', scoped });
      return { shared: r.ok };
    },

    /** Warming: with `overwrite` a plain put; otherwise only where Redis has no entry. */
    async fill(scoped: string, given: Entry, overwrite: boolean): Promise<'shared' | 'local' | 'skipped'> {
      counters.warmed++;
      if (!shared) return local.set(scoped, given) ? 'local' : 'skipped';
      if (overwrite) return (await this.put(scoped, given)).shared ? 'shared' : 'local';
      const entry: Entry = { ...given, id: `${origin}.${(++writes).toString(36)}` };
      const r = await shared.put(scoped, entry, { fill: true });
      if (r.ok && !r.value) return 'skipped';
      guard.dropped(scoped);
      local.set(scoped, entry);
      signals.notify(scoped);
      return r.ok ? 'shared' : 'local';
    },

    /** Removes from both layers and tells every replica. Entries removed (Redis's count when it answered). */
    async invalidate(target: Target): Promise<number> {
      const here = apply(target);
      if (!shared) return here;
      const r = await shared.invalidate(target);
      if (!r.ok) pending.add({ kind: 'invalidate', target });
      return r.ok ? Math.max(here, r.value) : here;
    },

    ...leaseSteps,

    /** Resyncs with Redis now (tests; it also runs by itself). */
    recover: async () => sync?.recover(),

    close() {
      clock.clearTimeout(sweep);
      sync?.close();
    },
  };
}

export type Store = ReturnType<typeof createStore>;

import type { Clock } from '@ultra/core';
import type { CacheCounters } from './counters.ts';
import { decodeEntry, encodeEntry, NEVER, type Entry } from './entry.ts';
import { messageBody, type Target } from './invalidation.ts';
import type { RedisLink, Result } from './redis-link.ts';
import { ACQUIRE, DELETE_BATCH, DELETE_KEY, PUBLISH, PUT, RELEASE, runScript, SYNC_POINT } from './redis-scripts.ts';
import { acquireReply, deleteBatchReply, syncPointReply } from './script-replies.ts';
import { scopeKey, unscope } from './scope.ts';

/** Where things live in Redis, under one prefix (default `ultra:cache:`). */
export function redisKeys(prefix: string) {
  return {
    entry: (scoped: string) => `${prefix}e:${scoped}`,
    entryPrefix: `${prefix}e:`,
    lease: (scoped: string) => `${prefix}l:${scoped}`,
    /** Sorted set of the scoped keys carrying a tag, by the end of their stale window. */
    tag: (namespace: string, tag: string) => `${prefix}t:${scopeKey(namespace, tag)}`,
    /** Sorted set (all scores 0) of every scoped key, for prefix ranges. */
    keys: `${prefix}keys`,
    /** Sorted set of every scoped key by the end of its stale window, to prune `keys`. */
    expiry: `${prefix}exp`,
    epoch: `${prefix}epoch`,
    gen: `${prefix}gen`,
    channel: `${prefix}inv`,
  };
}

export type Acquired =
  | { readonly kind: 'hit'; readonly entry: Entry }
  | { readonly kind: 'granted'; readonly stale?: Entry }
  | { readonly kind: 'held'; readonly retryInMs: number; readonly stale?: Entry };

export interface SharedStoreDeps {
  link: RedisLink;
  clock: Clock;
  counters: CacheCounters;
  /** Redis key prefix. */
  prefix: string;
  /** This replica's id, so that it can tell its own messages. */
  origin: string;
  /** A new epoch id, used when Redis has none (it lost its data). */
  newEpoch: () => string;
  /** Entries deleted per step of a prefix or tag invalidation. Default 500. */
  batch?: number;
}

/** The Redis layer: every operation answers `{ ok: false }` instead of throwing or waiting on a sick Redis. */
export function createSharedStore(deps: SharedStoreDeps) {
  const { link, clock, counters } = deps;
  const k = redisKeys(deps.prefix);
  const batch = deps.batch ?? 500;
  const sent = <T>(r: Result<T>) => {
    if (r.ok) counters.invalidationsSent++;
    return r;
  };
  const publish = (kind: 'prefix' | 'tag' | 'released', namespace: string, value: string) =>
    link.run((r) => runScript(r, PUBLISH, [k.epoch, k.gen], [deps.newEpoch(), k.channel, messageBody(deps.origin, kind, namespace, value)]));

  return {
    keys: k,

    async get(scoped: string): Promise<Result<Entry | undefined>> {
      const r = await link.run((redis) => redis.getBuffer(k.entry(scoped)));
      return r.ok ? { ok: true, value: r.value ? decodeEntry(r.value) : undefined } : r;
    },

    /**
     * Writes the entry (publishing its key's invalidation); with `fill` only where none
     * exists; with `replay` only where the entry there is older. True when written.
     */
    async put(scoped: string, entry: Entry, options: { fill?: boolean; replay?: boolean; leaseToken?: string } = {}): Promise<Result<boolean>> {
      const now = clock.now();
      const { namespace, key } = unscope(scoped);
      const px = entry.staleUntil >= NEVER ? 0 : Math.max(1, entry.staleUntil - now);
      const keys = [k.entry(scoped), k.keys, k.expiry, k.epoch, k.gen, k.lease(scoped), ...entry.tags.map((t) => k.tag(namespace, t))];
      const args = [
        encodeEntry(entry),
        px,
        scoped,
        px === 0 ? '+inf' : String(entry.staleUntil),
        String(now),
        deps.newEpoch(),
        k.channel,
        messageBody(deps.origin, 'key', namespace, key, entry.id),
        options.leaseToken ?? '',
        options.fill ? 'fill' : options.replay ? 'replay' : 'put',
        String(entry.storedAt),
      ];
      const r = await link.run((redis) => runScript(redis, PUT, keys, args));
      if (r.ok && r.value === 1 && !options.fill) counters.invalidationsSent++;
      return r.ok ? { ok: true, value: r.value === 1 } : r;
    },

    /** Deletes what `target` names from Redis and tells every replica. The count of entries deleted. */
    async invalidate(target: Target): Promise<Result<number>> {
      if (target.kind === 'key') {
        const scoped = scopeKey(target.namespace, target.value);
        const body = messageBody(deps.origin, 'key', target.namespace, target.value);
        const r = await link.run((redis) => runScript(redis, DELETE_KEY, [k.entry(scoped), k.keys, k.expiry, k.epoch, k.gen], [scoped, deps.newEpoch(), k.channel, body]));
        return sent(r.ok ? { ok: true, value: Number(r.value) } : r);
      }
      const from = scopeKey(target.namespace, target.value);
      const min = Buffer.from(`[${from}`);
      const max = Buffer.concat([Buffer.from(`(${from}`), Buffer.from([0xff])]);
      const tagSet = target.kind === 'tag' ? k.tag(target.namespace, target.value) : k.keys;
      let deleted = 0;
      for (;;) {
        const r = await link.run((redis) => runScript(redis, DELETE_BATCH, [k.keys, k.expiry, tagSet], [target.kind, min, max, k.entryPrefix, batch]).then(deleteBatchReply));
        if (!r.ok) return r;
        deleted += r.value.deleted;
        if (r.value.seen < batch) break;
      }
      const p = await publish(target.kind, target.namespace, target.value);
      return sent(p.ok ? { ok: true, value: deleted } : p);
    },

    /** One atomic lease step; see the ACQUIRE script. */
    async acquire(scoped: string, token: string, leaseMs: number): Promise<Result<Acquired>> {
      const r = await link.run((redis) => runScript(redis, ACQUIRE, [k.entry(scoped), k.lease(scoped)], [token, leaseMs, String(clock.now())], true).then(acquireReply));
      if (!r.ok) return r;
      const { status, raw, pttlMs } = r.value;
      const entry = raw.length > 0 ? decodeEntry(raw) : undefined;
      if (status === 2 && entry) return { ok: true, value: { kind: 'hit', entry } };
      const stale = entry ? { stale: entry } : {};
      if (status === 1) return { ok: true, value: { kind: 'granted', ...stale } };
      return { ok: true, value: { kind: 'held', retryInMs: Math.max(1, pttlMs), ...stale } };
    },

    /** Gives a lease back when `token` holds it, waking every replica's waiters. */
    async release(scoped: string, token: string): Promise<Result<boolean>> {
      const { namespace, key } = unscope(scoped);
      const body = messageBody(deps.origin, 'released', namespace, key);
      const r = await link.run((redis) => runScript(redis, RELEASE, [k.lease(scoped), k.epoch, k.gen], [token, deps.newEpoch(), k.channel, body]));
      return r.ok ? { ok: true, value: r.value === 1 } : r;
    },

    /** The epoch and gen now (a probe: it goes through an open breaker). */
    async syncPoint(): Promise<Result<{ epoch: string; gen: number }>> {
      return link.run((redis) => runScript(redis, SYNC_POINT, [k.epoch, k.gen], [deps.newEpoch()]).then(syncPointReply), { probe: true });
    },
  };
}

export type SharedStore = ReturnType<typeof createSharedStore>;

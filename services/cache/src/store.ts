import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';
import type { Clock } from '@ultra/core';
import { decodeEntry, encodeEntry, entrySize, type Entry } from './entry.ts';

export type Layer = 'local' | 'redis';

export interface Lookup {
  entry: Entry;
  layer: Layer;
  stale: boolean;
}

export interface StoreStats {
  localHits: number;
  redisHits: number;
  misses: number;
  staleHits: number;
  puts: number;
  evictions: number;
  redisErrors: number;
}

export interface StoreOptions {
  clock: Clock;
  /** Most entries kept in the local replica. */
  maxEntries: number;
  /** Most bytes kept in the local replica. */
  maxBytes: number;
  /** The shared store; without it the cache keeps to the local, in-process one. */
  redis?: Redis | undefined;
  /** Prefix of every Redis key. Default `ultra:cache:`. */
  prefix?: string;
}

/**
 * Two layers: a local LRU replica bounded by entries and bytes, then Redis. Reads fill the
 * local replica from Redis; a Redis failure never fails a read or a write.
 */
export function createStore(options: StoreOptions) {
  const { clock, redis } = options;
  const prefix = options.prefix ?? 'ultra:cache:';
  const stats: StoreStats = { localHits: 0, redisHits: 0, misses: 0, staleHits: 0, puts: 0, evictions: 0, redisErrors: 0 };
  const local = new LRUCache<string, Entry>({
    max: options.maxEntries,
    maxSize: options.maxBytes,
    sizeCalculation: (entry, key) => entrySize(key, entry),
    dispose: (_v, _k, reason) => {
      if (reason === 'evict') stats.evictions++;
    },
  });

  const classify = (entry: Entry, allowStale: boolean, layer: Layer): Lookup | undefined => {
    const now = clock.now();
    if (now < entry.expiresAt) return { entry, layer, stale: false };
    if (allowStale && now < entry.staleUntil) return { entry, layer, stale: true };
    return undefined;
  };

  const count = (found: Lookup | undefined) => {
    if (!found) stats.misses++;
    else if (found.stale) stats.staleHits++;
    else if (found.layer === 'local') stats.localHits++;
    else stats.redisHits++;
    return found;
  };

  return {
    stats,
    backend: redis ? ('redis' as const) : ('memory' as const),
    get localEntries() {
      return local.size;
    },
    get localBytes() {
      return local.calculatedSize;
    },

    async get(key: string, allowStale: boolean): Promise<Lookup | undefined> {
      const cached = local.get(key);
      if (cached) {
        const found = classify(cached, allowStale, 'local');
        if (found) return count(found);
        if (clock.now() >= cached.staleUntil) local.delete(key);
      }
      if (!redis) return count(undefined);
      try {
        const buf = await redis.getBuffer(prefix + key);
        const entry = buf ? decodeEntry(buf) : undefined;
        if (!entry) return count(undefined);
        local.set(key, entry);
        return count(classify(entry, allowStale, 'redis'));
      } catch {
        stats.redisErrors++;
        return count(undefined);
      }
    },

    async put(key: string, entry: Entry): Promise<void> {
      stats.puts++;
      local.set(key, entry);
      if (!redis) return;
      const ttl = Math.max(1, entry.staleUntil - clock.now());
      try {
        await redis.set(prefix + key, encodeEntry(entry), 'PX', ttl);
      } catch {
        stats.redisErrors++;
      }
    },

    async invalidate(match: { key?: string; prefix?: string; tag?: string }): Promise<number> {
      let removed = 0;
      for (const [k, entry] of local.entries()) {
        const hit =
          (match.key !== undefined && k === match.key) ||
          (match.prefix !== undefined && k.startsWith(match.prefix)) ||
          (match.tag !== undefined && entry.tags.includes(match.tag));
        if (hit && local.delete(k)) removed++;
      }
      if (redis && match.key !== undefined) {
        try {
          removed = Math.max(removed, await redis.del(prefix + match.key));
        } catch {
          stats.redisErrors++;
        }
      }
      return removed;
    },
  };
}

export type Store = ReturnType<typeof createStore>;

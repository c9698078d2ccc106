import { LRUCache } from 'lru-cache';
import type { Clock } from '@ultra/core';
import type { CacheCounters } from './counters.ts';
import { entrySize, freshness, type Entry } from './entry.ts';

export interface LocalReplicaOptions {
  clock: Clock;
  counters: CacheCounters;
  /** Most entries kept. */
  maxEntries: number;
  /** Most bytes kept, counted by {@link entrySize}. */
  maxBytes: number;
}

/** This process's copy: an LRU bounded by entries and by bytes, keyed by scoped key. */
export interface LocalReplica {
  /** The entry unless it is past its stale window (then it is dropped and counted expired). */
  get(scoped: string): Entry | undefined;
  /** Keeps the entry; false when it is larger than the whole replica. */
  set(scoped: string, entry: Entry): boolean;
  delete(scoped: string): boolean;
  /** Drops every entry `pick` selects; returns how many. */
  deleteWhere(pick: (scoped: string, entry: Entry) => boolean): number;
  /** Drops every entry past its stale window; returns how many. */
  purgeExpired(): number;
  readonly size: number;
  readonly bytes: number;
  readonly maxEntries: number;
  readonly maxBytes: number;
}

export function createLocalReplica(options: LocalReplicaOptions): LocalReplica {
  const { clock, counters } = options;
  const lru = new LRUCache<string, Entry>({
    max: options.maxEntries,
    maxSize: options.maxBytes,
    sizeCalculation: (entry, key) => entrySize(key, entry),
    dispose: (_v, _k, reason) => {
      if (reason === 'evict') counters.evictions++;
    },
  });

  const deleteWhere = (pick: (scoped: string, entry: Entry) => boolean): number => {
    const doomed: string[] = [];
    for (const [k, entry] of lru.entries()) if (pick(k, entry)) doomed.push(k);
    for (const k of doomed) lru.delete(k);
    return doomed.length;
  };

  return {
    get(scoped) {
      const entry = lru.get(scoped);
      if (entry && freshness(entry, clock.now()) === 'expired') {
        lru.delete(scoped);
        counters.expired++;
        return undefined;
      }
      return entry;
    },
    set(scoped, entry) {
      if (entrySize(scoped, entry) > options.maxBytes) return false;
      lru.set(scoped, entry);
      return true;
    },
    delete: (scoped) => lru.delete(scoped),
    deleteWhere,
    purgeExpired() {
      const now = clock.now();
      const n = deleteWhere((_k, e) => freshness(e, now) === 'expired');
      counters.expired += n;
      return n;
    },
    get size() {
      return lru.size;
    },
    get bytes() {
      return lru.calculatedSize;
    },
    maxEntries: options.maxEntries,
    maxBytes: options.maxBytes,
  };
}

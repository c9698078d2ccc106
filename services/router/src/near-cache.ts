import { LRUCache } from 'lru-cache';
import type { ChatAnswer } from '@ultra/contracts/chat';
import type { Clock } from '@ultra/core';

/**
 * A router's own copy of recent cache hits and of the answers it stored, so a repeated
 * question is answered from memory, without a call to the cache service. Entries are
 * kept for a short `ttlMs` only: an invalidation, or the entry's TTL running out in the
 * cache, reaches this copy when it expires (at most `ttlMs` later).
 */
export interface NearCache {
  /** The answer kept for `key`, when it is younger than `ttlMs`. */
  get(key: string): ChatAnswer | undefined;
  /** Keeps `answer` (in the form the cache holds: served from the provider, no attempts) for `key`. */
  set(key: string, answer: ChatAnswer): void;
}

export interface NearCacheOptions {
  /** How long an entry is served from memory, ms; 0 turns the near cache off. */
  ttlMs: number;
  /** Most entries kept (least recently used go first). */
  maxEntries: number;
}

/** A near cache, or undefined when `ttlMs` is 0 (off). */
export function createNearCache(options: NearCacheOptions, clock: Clock): NearCache | undefined {
  if (options.ttlMs <= 0) return undefined;
  const entries = new LRUCache<string, { answer: ChatAnswer; until: number }>({ max: options.maxEntries });
  return {
    get(key) {
      const e = entries.get(key);
      if (!e) return undefined;
      if (clock.now() < e.until) return e.answer;
      entries.delete(key);
      return undefined;
    },
    set(key, answer) {
      entries.set(key, { answer, until: clock.now() + options.ttlMs });
    },
  };
}

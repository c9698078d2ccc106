import type { CacheCounters } from './counters.ts';
import type { Target } from './invalidation.ts';

/** A write Redis missed: a Put (its value is taken from the local replica at replay) or an invalidation. */
export type PendingWrite = { readonly kind: 'put'; readonly scoped: string } | { readonly kind: 'invalidate'; readonly target: Target };

/**
 * Writes made while Redis was unreachable, replayed in order when it returns so that the
 * other replicas drop what this one replaced or removed. Bounded: past `limit` the oldest
 * is dropped and counted (`pendingDropped`). A write repeated on the same target keeps one
 * place in the queue, its latest.
 */
export interface PendingWrites {
  add(write: PendingWrite): void;
  /** Takes every queued write, oldest first. */
  take(): PendingWrite[];
  /** Puts writes back at the front (a replay that failed part way). */
  restore(writes: readonly PendingWrite[]): void;
  /** Scoped keys of queued puts. */
  putKeys(): Set<string>;
  readonly size: number;
}

const idOf = (w: PendingWrite) => (w.kind === 'put' ? `put\u0000${w.scoped}` : `${w.target.kind}\u0000${w.target.namespace}\u0000${w.target.value}`);

export function createPendingWrites(limit: number, counters: CacheCounters): PendingWrites {
  let queue = new Map<string, PendingWrite>();
  return {
    add(write) {
      const id = idOf(write);
      queue.delete(id);
      queue.set(id, write);
      if (queue.size > limit) {
        const oldest = queue.keys().next();
        if (!oldest.done) queue.delete(oldest.value);
        counters.pendingDropped++;
      }
    },
    take() {
      const all = [...queue.values()];
      queue = new Map();
      return all;
    },
    restore(writes) {
      const rest = queue;
      queue = new Map(writes.map((w) => [idOf(w), w]));
      for (const [id, w] of rest) {
        queue.delete(id);
        queue.set(id, w);
      }
    },
    putKeys() {
      const keys = new Set<string>();
      for (const w of queue.values()) if (w.kind === 'put') keys.add(w.scoped);
      return keys;
    },
    get size() {
      return queue.size;
    },
  };
}

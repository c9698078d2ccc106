import type { Clock } from '@ultra/core';

/** A caller's interest in one key's changes; see {@link KeySignals.watch}. */
export interface KeyWatch {
  /**
   * Resolves once the key changed since the watch began or since the last `wait` returned
   * (at once if it already has), after `ms` milliseconds (when given), or when `signal` aborts.
   */
  wait(ms: number | undefined, signal: AbortSignal): Promise<void>;
  close(): void;
}

/**
 * Wakes callers waiting on a key (lease waiters, config watchers) when the key changes in
 * this replica or in another. Versions are kept only for watched keys, so no change that
 * lands between a caller's check and its wait is missed and memory stays bounded.
 */
export interface KeySignals {
  watch(scoped: string): KeyWatch;
  /** The key changed (a put, an invalidation, a lease released). */
  notify(scoped: string): void;
  /** Something changed that may touch any key (prefix, tag, resync). */
  notifyAll(): void;
  /** Keys watched now. */
  readonly watched: number;
}

interface Slot {
  version: number;
  refs: number;
  wakers: Set<() => void>;
}

export function createKeySignals(clock: Clock): KeySignals {
  const slots = new Map<string, Slot>();
  const bump = (slot: Slot) => {
    slot.version++;
    for (const wake of [...slot.wakers]) wake();
  };
  return {
    watch(scoped) {
      let slot = slots.get(scoped);
      if (!slot) slots.set(scoped, (slot = { version: 0, refs: 0, wakers: new Set() }));
      slot.refs++;
      const s = slot;
      let seen = s.version;
      let closed = false;
      return {
        wait(ms, signal) {
          if (s.version !== seen || signal.aborted) {
            seen = s.version;
            return Promise.resolve();
          }
          return new Promise<void>((resolve) => {
            let timer: unknown;
            const wake = () => {
              s.wakers.delete(wake);
              signal.removeEventListener('abort', wake);
              if (timer !== undefined) clock.clearTimeout(timer);
              seen = s.version;
              resolve();
            };
            s.wakers.add(wake);
            signal.addEventListener('abort', wake);
            if (ms !== undefined) timer = clock.setTimeout(wake, Math.max(0, ms));
          });
        },
        close() {
          if (closed) return;
          closed = true;
          if (--s.refs === 0) slots.delete(scoped);
        },
      };
    },
    notify(scoped) {
      const slot = slots.get(scoped);
      if (slot) bump(slot);
    },
    notifyAll() {
      for (const slot of slots.values()) bump(slot);
    },
    get watched() {
      return slots.size;
    },
  };
}

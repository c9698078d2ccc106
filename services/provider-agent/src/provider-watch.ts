import type { Clock } from '@ultra/core';
import type { ProviderView } from './provider-handle.ts';

export interface ProviderWatchDeps {
  snapshot: () => ProviderView[];
  clock: Clock;
  /** How often counters (in-flight) are re-published when they moved, in ms. Default 1000. */
  tickMs?: number;
  /** Ends every subscription (at shutdown). */
  shutdown: AbortSignal;
}

/**
 * Fans provider state out to WatchProviders subscribers: a full snapshot first, then one
 * on every change, and counters at most once per tick.
 */
export function createProviderWatch(deps: ProviderWatchDeps) {
  const wakers = new Set<() => void>();
  const tickMs = deps.tickMs ?? 1000;
  let timer: unknown;
  const tick = () => {
    for (const wake of wakers) wake();
    timer = deps.clock.setTimeout(tick, tickMs);
  };
  deps.shutdown.addEventListener('abort', () => {
    deps.clock.clearTimeout(timer);
    for (const wake of wakers) wake();
  });
  return {
    start() {
      timer = deps.clock.setTimeout(tick, tickMs);
    },
    /** Tells subscribers that something changed. */
    notify() {
      for (const wake of wakers) wake();
    },
    async *subscribe(signal: AbortSignal): AsyncGenerator<ProviderView[]> {
      let wake: (() => void) | undefined;
      const waker = () => wake?.();
      wakers.add(waker);
      signal.addEventListener('abort', waker);
      let last = '';
      try {
        while (!signal.aborted && !deps.shutdown.aborted) {
          const views = deps.snapshot().map((v) => ({ ...v }));
          const text = JSON.stringify(views);
          if (text !== last) {
            last = text;
            yield views;
          }
          await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        wakers.delete(waker);
        signal.removeEventListener('abort', waker);
      }
    },
  };
}

export type ProviderWatch = ReturnType<typeof createProviderWatch>;

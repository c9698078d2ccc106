import { createNotifier, type Clock } from '@ultra/core';
import type { ProviderView } from './provider-view.ts';

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
  const changes = createNotifier();
  const tickMs = deps.tickMs ?? 1000;
  let timer: unknown;
  const tick = () => {
    changes.notify();
    timer = deps.clock.setTimeout(tick, tickMs);
  };
  deps.shutdown.addEventListener('abort', () => deps.clock.clearTimeout(timer));
  return {
    start() {
      timer = deps.clock.setTimeout(tick, tickMs);
    },
    /** Tells subscribers that something changed. */
    notify() {
      changes.notify();
    },
    async *subscribe(signal: AbortSignal): AsyncGenerator<ProviderView[]> {
      let seen = -1;
      let last = '';
      while (!signal.aborted && !deps.shutdown.aborted) {
        if (changes.version !== seen) {
          seen = changes.version;
          const views = deps.snapshot().map((v) => ({ ...v }));
          const text = JSON.stringify(views);
          if (text !== last) {
            last = text;
            yield views;
          }
        }
        await changes.wait(seen, signal, deps.shutdown);
      }
    },
  };
}

export type ProviderWatch = ReturnType<typeof createProviderWatch>;

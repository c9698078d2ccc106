import type { Clock } from '@ultra/core';
import { NEVER } from './entry.ts';
import { CONFIG_NAMESPACE, scopeKey } from './scope.ts';
import type { Layer, Store } from './store.ts';

export interface ConfigValue {
  found: boolean;
  value: Uint8Array;
  layer?: Layer;
  /** Epoch ms of the Put that stored it (0 when not found). */
  updatedAt: number;
}

/**
 * Shared runtime configuration (feature toggles, limits the services change at run time)
 * kept in the reserved `_config` namespace: no expiry, read through the local replica and
 * Redis like any entry, changed everywhere by the same invalidations, and watchable.
 */
export function createRuntimeConfig(store: Store, clock: Clock) {
  const scoped = (name: string) => scopeKey(CONFIG_NAMESPACE, name);
  const get = async (name: string): Promise<ConfigValue> => {
    const f = await store.lookup(scoped(name), false);
    return f ? { found: true, value: f.entry.value, layer: f.layer, updatedAt: f.entry.storedAt } : { found: false, value: new Uint8Array(), updatedAt: 0 };
  };
  return {
    get,
    async put(name: string, value: Uint8Array): Promise<{ shared: boolean }> {
      const now = clock.now();
      return store.put(scoped(name), { value, storedAt: now, expiresAt: NEVER, staleUntil: NEVER, tags: [] });
    },
    /** The value now, then each change, until `signal` aborts. */
    async *watch(name: string, signal: AbortSignal): AsyncGenerator<ConfigValue> {
      const watch = store.signals.watch(scoped(name));
      let last: ConfigValue | undefined;
      try {
        while (!signal.aborted) {
          const now = await get(name);
          const same = last && last.found === now.found && last.updatedAt === now.updatedAt && Buffer.from(last.value).equals(now.value);
          if (!same) yield (last = now);
          await watch.wait(undefined, signal);
        }
      } finally {
        watch.close();
      }
    },
  };
}

export type RuntimeConfig = ReturnType<typeof createRuntimeConfig>;

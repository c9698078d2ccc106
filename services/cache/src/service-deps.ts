import { Layer } from '@ultra/contracts/cache';
import type { Clock } from '@ultra/core';
import type { EntryDefaults } from './put-input.ts';
import type { RuntimeConfig } from './runtime-config.ts';
import type { Layer as StoreLayer, Store } from './store.ts';

/** What the CacheService handlers need; times in ms, sizes in bytes. */
export interface CacheServiceDeps extends EntryDefaults {
  store: Store;
  config: RuntimeConfig;
  clock: Clock;
  /** How long a lease holds when the request gives none, ms. */
  leaseMs: number;
  /** Longest lease wait when the request gives none, ms. */
  leaseWaitMs: number;
  /** Ends WatchConfig streams at shutdown. */
  shutdown?: AbortSignal;
}

/** The protobuf Layer for a store layer. */
export const layerOf = (layer: StoreLayer | undefined): Layer =>
  layer === 'local' ? Layer.LOCAL : layer === 'redis' ? Layer.REDIS : Layer.UNSPECIFIED;

import type { Redis } from 'ioredis';
import { createConsecutiveBreaker } from '@ultra/resilience';
import { createRedisLink } from './redis-link.ts';
import { createRedisSync, type RedisSync, type RedisSyncDeps } from './redis-sync.ts';
import { createSharedStore, type SharedStore } from './shared-store.ts';

export interface StoreRedisOptions {
  /** The command connection. */
  commands: Redis;
  /** A second connection, for the invalidation channel. */
  subscriber: Redis;
  /** Prefix of every key and channel. Default `ultra:cache:`. */
  prefix?: string;
  /** Longest wait for one Redis call, in ms. Default 100. */
  timeoutMs?: number;
  /** Failures in a row that open the breaker around Redis. Default 3. */
  breakerFailures?: number;
  /** How long the breaker stays open, and the pause between resync attempts, in ms. Default 2000. */
  breakerOpenMs?: number;
}

/** What the store hands the Redis layer: its local replica and how to change it. */
export type RedisLayerDeps = Omit<RedisSyncDeps, 'subscriber' | 'commands' | 'link' | 'shared' | 'retryMs'> & {
  /** A new epoch id, for when Redis has none. */
  newEpoch: () => string;
};

/** Wires the Redis side of the store: breaker, link, shared store and the sync with the other replicas. */
export function connectRedis(r: StoreRedisOptions, deps: RedisLayerDeps): { shared: SharedStore; sync: RedisSync } {
  const { clock, counters, origin } = deps;
  const openMs = r.breakerOpenMs ?? 2_000;
  const breaker = createConsecutiveBreaker({ failures: r.breakerFailures ?? 3, openMs }, clock);
  const link = createRedisLink({ redis: r.commands, clock, breaker, counters, timeoutMs: r.timeoutMs ?? 100 });
  const shared = createSharedStore({ link, clock, counters, prefix: r.prefix ?? 'ultra:cache:', origin, newEpoch: deps.newEpoch });
  const sync = createRedisSync({ ...deps, subscriber: r.subscriber, commands: r.commands, link, shared, retryMs: openMs });
  return { shared, sync };
}

import type { Redis } from 'ioredis';
import type { UltraConfig } from '@ultra/config';
import { createConsecutiveBreaker } from '@ultra/resilience';
import { createRedisLink } from './redis-link.ts';
import { createRedisSync, type RedisSync, type RedisSyncDeps } from './redis-sync.ts';
import { createSharedStore, type SharedStore } from './shared-store.ts';

/**
 * The Redis side of the store: its two connections, and config's `cache.key_prefix` and
 * `cache.redis` knobs as config resolved them (their defaults are config's, written there once).
 */
export type StoreRedisOptions = UltraConfig['cache']['redis'] & {
  /** The command connection. */
  commands: Redis;
  /** A second connection, for the invalidation channel. */
  subscriber: Redis;
  /** Prefix of every key and channel (`cache.key_prefix`). */
  prefix: string;
};

/** What the store hands the Redis layer: its local replica and how to change it. */
export type RedisLayerDeps = Omit<RedisSyncDeps, 'subscriber' | 'commands' | 'link' | 'shared' | 'retryMs'> & {
  /** A new epoch id, for when Redis has none. */
  newEpoch: () => string;
};

/** Wires the Redis side of the store: breaker, link, shared store and the sync with the other replicas. */
export function connectRedis(r: StoreRedisOptions, deps: RedisLayerDeps): { shared: SharedStore; sync: RedisSync } {
  const { clock, counters, origin } = deps;
  const breaker = createConsecutiveBreaker({ failures: r.breakerFailures, openMs: r.breakerOpenMs }, clock);
  const link = createRedisLink({ redis: r.commands, clock, breaker, counters, timeoutMs: r.timeoutMs });
  const shared = createSharedStore({ link, clock, counters, prefix: r.prefix, origin, newEpoch: deps.newEpoch });
  // The breaker's open time is also the pause between resync attempts.
  const sync = createRedisSync({ ...deps, subscriber: r.subscriber, commands: r.commands, link, shared, retryMs: r.breakerOpenMs });
  return { shared, sync };
}

import { createClient, createRouterTransport, type Client } from '@connectrpc/connect';
import { CacheService } from '@ultra/contracts/cache';
import { DEFAULT_CONFIG_YAML, parseConfig } from '@ultra/config';
import { createSeededRandom, type Clock } from '@ultra/core';
import { createHealthRegistry, type HealthRegistry } from '@ultra/runtime';
import { createCacheService } from './cache-service.ts';
import { createRedisClients, type RedisClients } from './redis-clients.ts';
import { createRuntimeConfig } from './runtime-config.ts';
import { reportRedisHealth } from './server.ts';
import { createStore, type Store } from './store.ts';

export interface TestReplica {
  store: Store;
  client: Client<typeof CacheService>;
  health: HealthRegistry;
  redis?: RedisClients;
  close(): void;
}

let seed = 1;

/** The cache Ultra ships (config's defaults): its key prefix and Redis breaker knobs. */
const SHIPPED = parseConfig(DEFAULT_CONFIG_YAML, 'default', {}).cache;

/**
 * A cache replica for tests: the real handlers behind an in-memory Connect transport, on
 * the given clock, with Redis at `redisUrl` when given. Defaults: 100 entries, 64 KiB,
 * TTL 1 s, stale 5 s, values up to 1 KiB, leases 30 s, lease wait 10 s; Redis as config's
 * defaults have it, but for `timeoutMs` when given.
 */
export function createTestReplica(
  clock: Clock,
  options: { redisUrl?: string; maxEntries?: number; maxBytes?: number; maxValueBytes?: number; timeoutMs?: number } = {},
): TestReplica {
  const redis = options.redisUrl ? createRedisClients(options.redisUrl, { maxBackoffMs: 100 }) : undefined;
  const store = createStore({
    clock,
    random: createSeededRandom(seed++),
    maxEntries: options.maxEntries ?? 100,
    maxBytes: options.maxBytes ?? 64 * 1024,
    redis: redis && {
      commands: redis.commands,
      subscriber: redis.subscriber,
      prefix: SHIPPED.keyPrefix,
      ...SHIPPED.redis,
      timeoutMs: options.timeoutMs ?? SHIPPED.redis.timeoutMs,
    },
  });
  const health = createHealthRegistry([CacheService.typeName]);
  const stopHealth = reportRedisHealth({ store }, health);
  const impl = createCacheService({
    store,
    config: createRuntimeConfig(store, clock),
    clock,
    ttlMs: 1_000,
    staleMs: 5_000,
    maxValueBytes: options.maxValueBytes ?? 1024,
    leaseMs: 30_000,
    leaseWaitMs: 10_000,
  });
  const client = createClient(CacheService, createRouterTransport((r) => r.service(CacheService, impl)));
  return {
    store,
    client,
    health,
    ...(redis ? { redis } : {}),
    close() {
      stopHealth();
      store.close();
      redis?.disconnect();
    },
  };
}

export const bytes = (s: string) => new TextEncoder().encode(s);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);

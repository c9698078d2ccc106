import type { UltraConfig } from '@ultra/config';
import type { Clock } from '@ultra/core';
import type { Logger } from '@ultra/runtime';
import type { RouterOptions } from '../config.ts';
import { createGuard, type Guard } from './guard.ts';
import { createKeyLimiter } from './key-limiter.ts';
import type { RouterCensus } from './router-census.ts';
import { createKeyStore } from './key-store.ts';

/**
 * The client keys and their limits: counted in Redis, shared by every router, when there
 * is a Redis and there are keys; else kept in this router. Says which in the log.
 */
export async function createRouterAuth(deps: {
  config: UltraConfig;
  options: RouterOptions;
  clock: Clock;
  log: Logger;
  /** The router's heartbeats, when there is a Redis (router-fleet.ts). */
  census?: RouterCensus | undefined;
}): Promise<{ guard: Guard; close(): void }> {
  const { options } = deps;
  const keys = createKeyStore(options.keys);
  const redis =
    options.redisUrl && keys.enabled
      ? (await import('@ultra/runtime/redis')).createRedisConnection(options.redisUrl, { connectionName: 'ultra-router-limits', maxRetriesPerRequest: 1, enableOfflineQueue: false })
      : undefined;
  redis?.on('error', () => undefined);
  const limiter = createKeyLimiter({ redis, clock: deps.clock, census: deps.census });
  deps.log.info(
    keys.enabled
      ? `${options.keys.length} client key(s) configured; limits ${redis ? 'shared through Redis' : 'kept in this router (no REDIS_URL)'}`
      : 'no client keys configured: the router runs open, on loopback only',
  );
  return {
    guard: createGuard({ config: deps.config, keys, limiter }),
    close() {
      limiter.stop();
      redis?.disconnect();
    },
  };
}

import type { Clock } from '@ultra/core';
import { createRedisConnection, isRedisClusterError } from '@ultra/runtime/redis';

/** Longest wait for a PING answer, ms. */
export const REDIS_PING_TIMEOUT_MS = 1000;

export interface RedisPing {
  /** The health service's connection to Redis (the pin keeper shares it). */
  readonly connection: ReturnType<typeof createRedisConnection>;
  /** Whether Redis answers a PING within {@link REDIS_PING_TIMEOUT_MS}, and why not. */
  ping(): Promise<{ ok: boolean; detail: string }>;
  close(): void;
}

/**
 * Redis as the health service sees it: connection errors show as a failed PING; a
 * Cluster refused says so in the detail, and stays refused (a Cluster node may answer
 * one PING before it is refused).
 */
export function createRedisPing(url: string, clock: Clock): RedisPing {
  const redis = createRedisConnection(url, { connectionName: 'ultra-health', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1000 });
  let refused = '';
  redis.on('error', (err: Error) => {
    if (isRedisClusterError(err)) refused = err.message;
  });
  return {
    connection: redis,
    async ping() {
      const answered = (redis.status === 'wait' || redis.status === 'end' ? redis.connect().then(() => redis.ping()) : redis.ping()).then(
        () => true,
        () => false,
      );
      const ok = (await Promise.race([answered, new Promise<boolean>((r) => clock.setTimeout(() => r(false), REDIS_PING_TIMEOUT_MS))])) && !refused;
      return { ok, detail: ok ? '' : refused || 'no answer to PING' };
    },
    close: () => redis.disconnect(),
  };
}

import type { Redis } from 'ioredis';
import { createRedisConnection, type RedisUse } from '@ultra/runtime/redis';

/** The two connections the cache holds to Redis. */
export interface RedisClients {
  commands: Redis;
  subscriber: Redis;
  disconnect(): void;
}

/**
 * Connections for the cache: calls fail at once while disconnected (no offline queue, no
 * resend) so that the cache answers from its local replica instead of waiting; both
 * reconnect by themselves, backing off from 50 ms to `maxBackoffMs` (default 1000).
 */
export function createRedisClients(url: string, options: { maxBackoffMs?: number; onError?: (err: Error) => void } = {}): RedisClients {
  const max = options.maxBackoffMs ?? 1_000;
  const common: Omit<RedisUse, 'connectionName'> = {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 50, max),
  };
  const commands = createRedisConnection(url, { ...common, connectionName: 'ultra-cache' });
  const subscriber = createRedisConnection(url, { ...common, autoResubscribe: false, connectionName: 'ultra-cache-sub', refuseCluster: false });
  const onError = options.onError ?? (() => undefined);
  commands.on('error', onError);
  subscriber.on('error', onError);
  return {
    commands,
    subscriber,
    disconnect() {
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}

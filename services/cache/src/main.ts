import { Redis } from 'ioredis';
import { systemClock } from '@ultra/core';
import { runService } from '@ultra/runtime';
import { build } from './server.ts';
import { createStore } from './store.ts';

runService('cache', async ({ config, log }) => {
  const url = config.cache.redisUrl;
  const redis = url
    ? new Redis(url.reveal(), { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 })
    : undefined;
  redis?.on('error', (err: Error) => log.warn({ code: (err as NodeJS.ErrnoException).code }, 'redis unreachable'));
  log.info(redis ? 'cache: Redis from REDIS_URL, with a local replica' : 'cache: no REDIS_URL, keeping to the in-process store');
  const store = createStore({
    clock: systemClock,
    maxEntries: config.cache.maxEntries,
    maxBytes: config.cache.maxBytes,
    redis,
  });
  const service = await build({
    address: config.services.cache,
    store,
    clock: systemClock,
    ttlMs: config.cache.ttlMs,
    staleMs: config.cache.staleMs,
    maxValueBytes: Math.min(4 * 1024 * 1024, config.cache.maxBytes),
  });
  return { ...service, close: async () => void redis?.disconnect() };
});

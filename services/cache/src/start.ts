import { describeRedisUrl } from '@ultra/config';
import { errnoCode, errorMessage, systemClock, systemRandom } from '@ultra/core';
import { listen, type RunningService, type ServiceContext } from '@ultra/runtime';
import { isRedisClusterError } from '@ultra/runtime/redis';
import { registerCacheMetrics } from './cache-metrics.ts';
import { forEachLimit, toEntry, type EntryDefaults } from './put-input.ts';
import { createRedisClients } from './redis-clients.ts';
import { assertAloneWithoutRedis } from './replica-check.ts';
import { createRuntimeConfig } from './runtime-config.ts';
import { build } from './server.ts';
import { createStore, type Store } from './store.ts';
import { readWarmFile } from './warm-file.ts';

/** Wires the cache service (store, Redis link, warm file) and listens. */
export async function startCache({ config, log, shutdown, metrics }: ServiceContext): Promise<RunningService> {
  const c = config.cache;
  const clock = systemClock;
  // Without Redis a replica is an island: refuse to be one of several.
  if (!c.redisUrl) await assertAloneWithoutRedis(config.services.dial.cache);
  let lastError = '';
  const clients = c.redisUrl
    ? createRedisClients(c.redisUrl.reveal(), {
        onError: (err) => {
          if (isRedisClusterError(err)) return log.error(`${err.message}; serving from the local replica only`);
          const code = errnoCode(err) ?? err.message;
          if (code !== lastError) log.warn({ code }, 'redis unreachable; serving from the local replica');
          lastError = code;
        },
      })
    : undefined;
  log.info(clients && c.redisUrl ? `cache: Redis from REDIS_URL (${describeRedisUrl(c.redisUrl.reveal())}), with a local replica` : 'cache: no REDIS_URL, keeping to the in-process store');
  const store = createStore({
    clock,
    random: systemRandom,
    maxEntries: c.maxEntries,
    maxBytes: c.maxBytes,
    redis: clients && {
      commands: clients.commands,
      subscriber: clients.subscriber,
      prefix: c.keyPrefix,
      timeoutMs: c.redis.timeoutMs,
      breakerFailures: c.redis.breakerFailures,
      breakerOpenMs: c.redis.breakerOpenMs,
    },
  });
  store.health.onChange((degraded) =>
    degraded ? log.warn({ reason: store.health.reason }, 'cache degraded: serving from the local replica') : log.info('cache: Redis is back, resynced'),
  );
  registerCacheMetrics(metrics.meter, store);
  const defaults = { ttlMs: c.ttlMs, staleMs: c.staleMs, maxValueBytes: c.maxValueBytes };
  if (c.warmFile) {
    // Give Redis a moment so warm entries reach it; without it they stay in this replica.
    await synced(store, 2_000);
    await warm(store, c.warmFile, defaults, (fields, msg) => log.info(fields, msg));
  }
  const server = build({
    address: config.services.cache,
    ultraConfig: config,
    store,
    config: createRuntimeConfig(store, clock),
    clock,
    ...defaults,
    leaseMs: c.lease.ttlMs,
    leaseWaitMs: c.lease.waitMs,
    shutdown,
  });
  const listener = await listen(config.services.cache, server.handler);
  return {
    listeners: [listener],
    health: server.health,
    close: async () => {
      server.close();
      store.close();
      clients?.disconnect();
    },
  };
}

/** Resolves once the store is in step with Redis, or after `ms` milliseconds. */
function synced(store: Store, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (!store.health.degraded) return resolve();
    const done = () => {
      off();
      systemClock.clearTimeout(timer);
      resolve();
    };
    const off = store.health.onChange((degraded) => !degraded && done());
    const timer = systemClock.setTimeout(done, ms);
  });
}

/** Loads the warm file, only where Redis has no entry; bad lines are logged and left out. */
async function warm(store: Store, file: string, defaults: EntryDefaults, log: (fields: object, msg: string) => void) {
  const { items, problems } = await readWarmFile(file);
  const now = systemClock.now();
  const counts = { local: 0, shared: 0, skipped: 0 };
  await forEachLimit(items, 32, async (item, i) => {
    try {
      const { scoped, entry } = toEntry(item, defaults, now);
      counts[await store.fill(scoped, entry, false)]++;
    } catch (e) {
      problems.push(`${file}: entry ${i + 1}: ${errorMessage(e)}`);
    }
  });
  log({ file, ...counts, problems: problems.slice(0, 20) }, `cache: warmed ${counts.local + counts.shared} entries from ${file} (${problems.length} problems)`);
}

import { CacheService } from '@ultra/contracts/cache';
import { HealthService } from '@ultra/contracts/health';
import { ProviderAgentService } from '@ultra/contracts/provider-agent';
import { systemClock, systemRandom } from '@ultra/core';
import { closeReserveMs, createServiceClient, createServiceConnection, keepWatching, type RunningService, type ServiceContext } from '@ultra/runtime';
import { createChatFlow } from './chat-flow.ts';
import { createLinks } from './links/links.ts';
import { createModeState } from './mode-state.ts';
import { createRouting } from './routing/index.ts';
import { build } from './server.ts';
import { startOverloadGuard } from './overload-setup.ts';
import { createFlowMetrics } from './flow-metrics.ts';
import { createGuard } from './auth/guard.ts';
import { createKeyLimiter } from './auth/key-limiter.ts';
import { createKeyStore } from './auth/key-store.ts';

/** Wires the router (clients of the other services, routing, the chat flow, the queue, the key guard) and starts it. */
export async function startRouter({ config, log, shutdown, metrics }: ServiceContext): Promise<RunningService> {
  const clock = systemClock;
  // Breakers on the links to the cache and the agent, as interceptors of their clients.
  const links = createLinks({ clock, log });
  const cache = createServiceClient(CacheService, config.services.dial.cache, [links.cache.guard]);
  const agents = createServiceConnection(ProviderAgentService, config.services.dial.providerAgent, [links.agent.guard]);
  const agent = agents.client;
  const health = createServiceClient(HealthService, config.services.dial.health);
  const routing = createRouting(config, clock, systemRandom);
  const mode = createModeState(clock, config.modes.routerStaleAfterMs);
  // One WatchProviders stream to every agent endpoint (each `dns:` lookup adds or ends
  // some), so the router hears every replica, not the one a connection landed on. A message
  // (not guarded) shows an agent is back (the stream resubscribes every 250 ms while it is
  // gone), which closes the agent link's breaker at once rather than at its next trial call.
  agents.eachEndpoint(shutdown, (client, endpoint, signal) =>
    keepWatching({
      clock,
      signal,
      retryMs: 250,
      consume: async (signal) => {
        for await (const res of client.watchProviders({}, { signal })) {
          links.agent.breaker.reset();
          routing.book.updateFromAgent(res.providers, endpoint);
        }
      },
      onLost: (err) => {
        routing.book.forgetAgent(endpoint);
        log.debug({ endpoint, err: (err as Error | undefined)?.message }, 'provider watch lost; resubscribing');
      },
    }),
  );
  keepWatching({
    clock,
    signal: shutdown,
    retryMs: 1000,
    consume: async (signal) => {
      for await (const res of health.watchStatus({}, { signal })) mode.heard(res.status?.mode ?? 0, res.status?.reason ?? '');
    },
    onLost: () => mode.lost(),
  });
  // The durable queue lives in Redis: without REDIS_URL there is none, deferral answers
  // UNAVAILABLE and the job RPCs FAILED_PRECONDITION.
  const redisUrl = config.cache.redisUrl?.reveal();
  const onQueueError = (err: Error) => log.warn({ err: err.message }, 'queue: Redis error; retrying');
  // BullMQ (about 15 MB of modules) and ioredis load only when there is a Redis to use.
  const queueModules = redisUrl ? await import('@ultra/queue') : undefined;
  const jobs = redisUrl && queueModules ? queueModules.createJobQueue({ redisUrl, config: config.queue, clock, onError: onQueueError }) : undefined;
  const overload = startOverloadGuard({ config, clock, log, meter: metrics.meter, health, shutdown });
  const flow = createChatFlow({ config, cache, agent, ...routing, mode, clock, random: systemRandom, log, defer: jobs?.defer, overload, metrics: createFlowMetrics(metrics.meter, () => mode.current().mode) });
  const worker = jobs && queueModules && config.queue.worker ? queueModules.createJobWorker({ queue: jobs, flow, random: systemRandom }) : undefined;
  // The worker stops taking jobs when the drain starts (maybe during start-up: the signal is
  // already aborted) and leaves its running jobs when the requests' share of the grace ends.
  const jobsGraceMs = config.shutdown.graceMs - closeReserveMs(config.shutdown.graceMs);
  const stopWorker = new Promise<void>((resolve) => {
    const stop = () => resolve(worker?.close(jobsGraceMs));
    if (shutdown.aborted) stop();
    else shutdown.addEventListener('abort', stop, { once: true });
  });
  if (jobs) {
    const queue = jobs;
    // Queue depth, ages, retries and dead letters, read at each scrape (a few Redis calls).
    const gauge = (name: string, description: string, pick: (s: Awaited<ReturnType<typeof queue.getStats>>) => number) =>
      metrics.meter.createObservableGauge(name, { description }).addCallback(async (r) => {
        const stats = await queue.getStats().catch(() => undefined);
        if (stats) r.observe(pick(stats));
      });
    gauge('ultra_queue_depth', 'Jobs not yet ended: waiting, running, retrying', (s) => s.depth);
    gauge('ultra_queue_dead_letters', 'Jobs in the dead-letter set', (s) => s.deadLetters);
    gauge('ultra_queue_oldest_waiting_seconds', 'Age of the oldest job waiting for a worker', (s) => s.oldestWaitingAgeMs / 1000);
    gauge('ultra_queue_retries', 'Retries scheduled since the queue began', (s) => s.totals.retries);
  }
  const keys = createKeyStore(config.auth.keys);
  const limiterRedis = redisUrl && keys.enabled ? (await import('@ultra/runtime/redis')).createRedisConnection(redisUrl, { connectionName: 'ultra-router-limits', maxRetriesPerRequest: 1, enableOfflineQueue: false }) : undefined;
  limiterRedis?.on('error', () => undefined);
  const limiter = createKeyLimiter({ redis: limiterRedis, clock });
  const guard = createGuard({ config, keys, limiter });
  log.info(
    keys.enabled
      ? `${config.auth.keys.length} client key(s) configured; limits ${limiterRedis ? 'shared through Redis' : 'kept in this router (no REDIS_URL)'}`
      : 'no client keys configured: the router runs open, on loopback only',
  );
  const service = await build({ config, flow, queue: jobs, mode, clock, metrics, guard, overload });
  return {
    ...service,
    async close() {
      limiter.stop();
      limiterRedis?.disconnect();
      await service.close?.();
      if (worker) await stopWorker;
      await jobs?.close();
    },
  };
}

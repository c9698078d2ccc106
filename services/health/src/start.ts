import { createRedisConnection, isRedisClusterError } from '@ultra/runtime/redis';
import { inSpan } from '@ultra/telemetry';
import { ComponentStatus } from '@ultra/contracts/health';
import { BreakerState, ProviderAgentService } from '@ultra/contracts/provider-agent';
import { createNotifier, systemClock } from '@ultra/core';
import { createQueueDepth } from '@ultra/queue';
import { createServiceClient, keepWatching, modeName, type RunningService, type ServiceContext } from '@ultra/runtime';
import { createModeEngine } from './engine/engine.ts';
import { rulesFromConfig } from './engine/from-config.ts';
import { createRegistry, observationOf } from './registry.ts';
import { build } from './server.ts';
import { createStartGate } from './startup.ts';
import { watchService } from './service-watch.ts';
import { createPinKeeper } from './pin-keeper.ts';
import { modeChangeLine } from './mode-log.ts';
import { LOAD_REPORT_TTL_MS } from './load-report.ts';

/** Wires the health service (watches of every service, Redis and the queue; the mode engine) and starts it. */
export async function startHealth({ config, log, shutdown }: ServiceContext): Promise<RunningService> {
  const clock = systemClock;
  const changes = createNotifier();
  let queueDepth: number | undefined;
  const engine = createModeEngine({ rules: rulesFromConfig(config), clock, recoverAfter: config.modes.recoverAfter });
  const tiers = config.tiers.map((t) => t.name);
  const evaluateNow = () => {
    // No mode until every configured component has reported (or the start grace is over).
    if (!gate.ready()) return;
    const before = engine.current().mode;
    if (engine.observe({ ...observationOf(registry, tiers), queueDepth })) {
      const now = engine.current();
      if (now.mode !== before) {
        const line = modeChangeLine(before, now.mode, now.reason);
        log.info(line.fields, line.message);
        // A short span carrying the change as an event, so traces show when the mode moved.
        void inSpan('ultra.mode.evaluate', {}, async (span) => {
          span.addEvent('ultra.mode.change', { 'ultra.mode.from': modeName(before), 'ultra.mode.to': modeName(now.mode), 'ultra.reason': now.reason });
        });
      }
      changes.notify();
    }
  };
  const registry = createRegistry(() => {
    changes.notify();
    evaluateNow(); // step down at once
  });
  const gate = createStartGate({ registry, clock });
  const tierOf = new Map(config.tiers.flatMap((t) => t.providers.map((p) => [p, t.name] as const)));
  for (const [p, tier] of tierOf) {
    registry.set({ name: `provider:${p}`, kind: 'provider', tier, status: ComponentStatus.STARTING, detail: 'starting: not reported by the provider-agent yet' });
  }
  if (config.cache.redisUrl) registry.set({ name: 'redis', kind: 'redis', status: ComponentStatus.STARTING, detail: 'starting: not pinged yet' });

  // Every replica of each service, at its `dial` list (where it is reached, not where it listens).
  const watched = { registry, gate, clock, shutdown };
  const min = config.modes.minServing;
  watchService(watched, 'router', config.services.dial.router, min.router);
  watchService(watched, 'provider-agent', config.services.dial.providerAgent, min.providerAgent);
  watchService(watched, 'cache', config.services.dial.cache, min.cache);

  const agent = createServiceClient(ProviderAgentService, config.services.dial.providerAgent);
  keepWatching({
    clock,
    signal: shutdown,
    retryMs: 1000,
    consume: async (signal) => {
      for await (const res of agent.watchProviders({}, { signal })) {
        for (const p of res.providers) {
          const open = p.breaker === BreakerState.OPEN || p.breaker === BreakerState.FORCED_OPEN;
          registry.set({
            name: `provider:${p.name}`,
            kind: 'provider',
            tier: tierOf.get(p.name) ?? '',
            status: p.healthy && !open ? ComponentStatus.SERVING : ComponentStatus.NOT_SERVING,
            detail: open ? `breaker ${BreakerState[p.breaker]?.toLowerCase()}` : p.detail,
            errorRatio: p.errorRatio,
            latencyP99Ms: p.latencyP99Ms,
          });
        }
      }
    },
    onLost: () => log.debug('provider watch lost; resubscribing'),
  });

  const url = config.cache.redisUrl;
  const redis = url ? createRedisConnection(url.reveal(), { connectionName: 'ultra-health', lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1000 }) : undefined;
  // Connection errors show as a failed PING; a Cluster refused says so in the detail.
  let refused = '';
  redis?.on('error', (err: Error) => {
    if (isRedisClusterError(err)) refused = err.message;
  });
  // Operators' pins, in Redis for every health replica (without Redis, this replica's alone).
  const pins = createPinKeeper({ engine, clock, redis, log });
  // The retry queue's depth, for the queue_depth_above rules (the router's queue, in the same Redis).
  const queue = url ? createQueueDepth(url.reveal(), config.queue.keyPrefix) : undefined;
  let timer: unknown;
  const tick = async () => {
    if (queue) queueDepth = await queue.read();
    if (redis) {
      let ok = await Promise.race([
        (redis.status === 'wait' || redis.status === 'end' ? redis.connect().then(() => redis.ping()) : redis.ping()).then(() => true, () => false),
        new Promise<boolean>((r) => clock.setTimeout(() => r(false), 1000)),
      ]);
      // A Cluster node may answer one PING before it is refused: refused stays refused.
      if (refused) ok = false;
      registry.set({ name: 'redis', kind: 'redis', status: ok ? ComponentStatus.SERVING : ComponentStatus.NOT_SERVING, detail: ok ? '' : refused || 'no answer to PING' });
      if (ok && (await pins.sync().catch((err: unknown) => (log.debug({ err: String(err) }, 'pin not read from Redis'), false)))) changes.notify();
    }
    registry.expireLoad(clock.now() - LOAD_REPORT_TTL_MS);
    evaluateNow();
    if (!shutdown.aborted) timer = clock.setTimeout(() => void tick(), config.modes.evaluateEveryMs);
  };
  void tick();
  const service = await build({ address: config.services.health, registry, engine, pins, changes, shutdown, config, clock });
  return {
    ...service,
    close: async () => {
      clock.clearTimeout(timer);
      redis?.disconnect();
      await queue?.close();
    },
  };
}

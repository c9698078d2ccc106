import { ComponentStatus } from '@ultra/contracts/health';
import { createNotifier, systemClock } from '@ultra/core';
import { createQueueDepth } from '@ultra/queue';
import { listen, type RunningService, type ServiceContext } from '@ultra/runtime';
import { createModeEngine } from './engine/engine.ts';
import { rulesFromConfig } from './engine/from-config.ts';
import { LOAD_REPORT_TTL_MS } from './load-report.ts';
import { createModeEvaluation } from './mode-evaluation.ts';
import { createPinKeeper } from './pin-keeper.ts';
import { watchProviders } from './provider-watch.ts';
import { createRedisPing } from './redis-ping.ts';
import { createRegistry } from './registry.ts';
import { build } from './server.ts';
import { watchService } from './service-watch.ts';
import { createStartGate } from './startup.ts';

/** Wires the health service (watches of every service, Redis and the queue; the mode engine; the pins) and listens. */
export async function startHealth({ config, log, shutdown }: ServiceContext): Promise<RunningService> {
  const clock = systemClock;
  const changes = createNotifier();
  // Aborted as the stop begins, when every service in this process turns NOT_SERVING: from then on the mode holds.
  const stopping = new AbortController();
  const engine = createModeEngine({ rules: rulesFromConfig(config), clock, recoverAfter: config.modes.recoverAfter, maxRecoverAfter: config.modes.maxRecoverAfter });
  const registry = createRegistry(() => {
    changes.notify();
    evaluation.now('change'); // step down at once
  });
  const gate = createStartGate({ registry, clock });
  const evaluation = createModeEvaluation({ engine, registry, gate, tiers: config.tiers.map((t) => t.name), changes, log, stopping: stopping.signal });
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
  watchProviders(config.services.dial.providerAgent, { registry, tierOf, clock, log, shutdown });

  const url = config.cache.redisUrl?.reveal();
  const redis = url ? createRedisPing(url, clock) : undefined;
  // Operators' pins, in Redis for every health replica (without Redis, this replica's alone).
  const pins = createPinKeeper({ engine, clock, redis: redis?.connection, log });
  // The retry queue's depth, for the queue_depth_above rules (the router's queue, in the same Redis).
  const queue = url ? createQueueDepth(url, config.queue.keyPrefix) : undefined;
  // Every `modes.evaluate_every`: the queue's depth, a PING and the pins, load reports gone quiet, then the mode.
  let timer: unknown;
  const tick = async () => {
    if (queue) evaluation.setQueueDepth(await queue.read());
    if (redis) {
      const { ok, detail } = await redis.ping();
      registry.set({ name: 'redis', kind: 'redis', status: ok ? ComponentStatus.SERVING : ComponentStatus.NOT_SERVING, detail });
      if (ok && (await pins.sync().catch((err: unknown) => (log.debug({ err: String(err) }, 'pin not read from Redis'), false)))) changes.notify();
    }
    registry.expireLoad(clock.now() - LOAD_REPORT_TTL_MS);
    evaluation.now('check');
    if (!shutdown.aborted) timer = clock.setTimeout(() => void tick(), config.modes.evaluateEveryMs);
  };
  void tick();
  const server = build({ address: config.services.health, registry, engine, pins, changes, shutdown, config, clock });
  const listener = await listen(config.services.health, server.handler);
  return {
    listeners: [listener],
    health: {
      ...server.health,
      shutdown() {
        stopping.abort();
        server.health.shutdown();
      },
    },
    close: async () => {
      clock.clearTimeout(timer);
      redis?.close();
      await queue?.close();
    },
  };
}

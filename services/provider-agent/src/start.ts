import { systemClock, systemRandom } from '@ultra/core';
import { isRedisClusterError } from '@ultra/runtime/redis';
import { createAdapter } from '@ultra/providers';
import { resolveBreakerOptions } from '@ultra/resilience';
import { listen, type RunningService, type ServiceContext } from '@ultra/runtime';
import { registerAgentMetrics } from './agent-metrics.ts';
import { createBreakerStore, createRedisClient } from './breaker-store.ts';
import { resilienceFor } from './config.ts';
import { createFleet } from './fleet.ts';
import { loadInspection } from './inspect.ts';
import { createProviderActor, type ProviderActor } from './provider-actor.ts';
import { createProviderWatch } from './provider-watch.ts';
import { build } from './server.ts';

/** Wires the provider-agent (one actor per provider, the breaker store) and listens. */
export async function startProviderAgent({ config, log, env, shutdown, metrics }: ServiceContext): Promise<RunningService> {
  const clock = systemClock;
  const inspection = await loadInspection(env['ULTRA_INSPECT'], { say: (line) => log.warn(line) });
  const onRedisError = (err: Error) =>
    isRedisClusterError(err) ? log.error(`${err.message}; breaker state is not kept`) : log.debug({ err: err.message }, 'redis connection error (the breaker store reconnects by itself)');
  const redis = config.cache.redisUrl ? createRedisClient(config.cache.redisUrl.reveal(), onRedisError) : undefined;
  const store = redis && createBreakerStore({ client: redis, clock, warn: (message) => log.warn(message) });
  // Provider state shared with the other agent replicas (breakers, forces, Retry-After, leases, bulkhead shares).
  const fleet =
    redis && config.cache.redisUrl
      ? createFleet({
          redis,
          url: config.cache.redisUrl.reveal(),
          clock,
          random: systemRandom,
          providers: new Map(Object.values(config.providers).map((p) => [p.name, resolveBreakerOptions(resilienceFor(config, p.name).breaker)])),
          healthCheck: config.healthCheck,
          info: (line) => log.info(line),
          warn: (line) => log.warn(line),
        })
      : undefined;
  const providers = new Map<string, ProviderActor>();
  const watch = createProviderWatch({ snapshot: () => [...providers.values()].map((p) => p.view()), clock, shutdown });
  for (const p of Object.values(config.providers)) {
    const adapter = p.unavailableReason
      ? undefined
      : createAdapter({ name: p.name, type: p.type, baseUrl: p.baseUrl, apiKey: p.apiKey, models: p.models }, { clock });
    const actor = createProviderActor({
      config: p,
      adapter,
      resilience: resilienceFor(config, p.name),
      healthCheck: config.healthCheck,
      clock,
      random: systemRandom,
      onChange: watch.notify,
      inspection,
      fleet: fleet?.link(p.name),
      onBreakerChange: (snapshot) => {
        log.info({ provider: p.name, breaker: snapshot }, `${p.name}: breaker ${snapshot.state}`);
        store?.save(p.name, snapshot);
      },
    });
    providers.set(p.name, actor);
    log.info(
      { provider: p.name, type: p.type, simulated: p.simulated },
      p.unavailableReason
        ? `${p.name}: unavailable (${p.unavailableReason})`
        : `${p.name}: ${p.type} at ${p.baseUrl}${p.simulated ? ' (simulated: no provider key is set)' : ''}`,
    );
  }
  // Before serving: a restarted agent must not hammer a provider its last run found dead.
  if (store) {
    for (const [name, snapshot] of await store.load([...providers.keys()])) {
      providers.get(name)?.restore(snapshot);
      log.info({ provider: name, breaker: snapshot }, `${name}: breaker restored ${snapshot.state} from Redis`);
    }
  }
  await fleet?.start(); // before serving: forces and Retry-Afters the other agents keep
  const server = build({
    address: config.services.providerAgent,
    ultraConfig: config,
    providers,
    watch,
    clock,
    onForce: (provider, mode) => log.warn({ provider, mode }, `${provider}: breaker forced ${mode} by an operator`),
  });
  const listener = await listen(config.services.providerAgent, server.handler);
  registerAgentMetrics(metrics.meter, () => [...providers.values()].map((p) => p.view()), fleet && (() => fleet.live));
  for (const p of providers.values()) p.start();
  watch.start();
  return {
    listeners: [listener],
    health: server.health,
    close: async () => {
      for (const p of providers.values()) p.stop();
      await fleet?.stop();
      await store?.flush();
      redis?.disconnect();
      inspection?.stop();
    },
  };
}

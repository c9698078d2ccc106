import { CacheService } from '@ultra/contracts/cache';
import { HealthService } from '@ultra/contracts/health';
import { ProviderAgentService } from '@ultra/contracts/provider-agent';
import { systemClock, systemRandom } from '@ultra/core';
import { createServiceClient, createServiceConnection, listen, type RunningService, type ServiceContext } from '@ultra/runtime';
import { createRouterAuth } from './auth/auth-setup.ts';
import { createChatFlow } from './chat-flow.ts';
import { routerOptions } from './config.ts';
import { createFlowMetrics } from './flow-metrics.ts';
import { createLinks } from './links/links.ts';
import { createModeState } from './mode-state.ts';
import { createNearCache } from './near-cache.ts';
import { startOverloadGuard } from './overload-setup.ts';
import { watchAgents, watchHealth } from './peer-watches.ts';
import { openRouterQueue } from './queue-setup.ts';
import { openRouterFleet } from './router-fleet.ts';
import { createRouting } from './routing/index.ts';
import { build } from './server.ts';

/**
 * Wires the router (clients of the other services, routing, the chat flow, the queue, the
 * key guard) and listens: HTTP/2 cleartext plus HTTP/1.1 on the gRPC address, the HTTP/1.1
 * front on the HTTP address.
 */
export async function startRouter({ config, log, shutdown, metrics }: ServiceContext): Promise<RunningService> {
  const options = routerOptions(config);
  const clock = systemClock;
  const random = systemRandom;
  // Breakers on the links to the cache and the agent, as interceptors of their clients.
  const links = createLinks({ clock, log });
  const cache = createServiceClient(CacheService, options.dial.cache, [links.cache.guard]);
  const agents = createServiceConnection(ProviderAgentService, options.dial.providerAgent, [links.agent.guard]);
  const healthReplicas = createServiceConnection(HealthService, options.dial.health);
  const health = healthReplicas.client;
  // With Redis, the routers as a fleet: heartbeats (the budget's floor and the limits' fallback are shared) and the gauges' exporter.
  const fleet = await openRouterFleet({ redisUrl: options.redisUrl, clock, random, log });
  const routing = createRouting(config, clock, random, fleet?.census);
  const mode = createModeState(clock, options.modeStaleAfterMs);
  watchAgents({ agents, link: links.agent, book: routing.book, clock, log, shutdown });
  watchHealth({ health, mode, clock, shutdown });
  const queue = await openRouterQueue({ options, clock, random, log, meter: metrics.meter, exporter: fleet?.gauges });
  const overload = startOverloadGuard({ config, clock, log, meter: metrics.meter, health: healthReplicas, shutdown });
  const flowMetrics = createFlowMetrics(metrics.meter, () => mode.current().mode);
  const near = createNearCache(config.cache.near, clock);
  const flow = createChatFlow({ config, cache, agent: agents.client, ...routing, mode, clock, random, log, defer: queue?.jobs.defer, overload, near, metrics: flowMetrics });
  queue?.startWorker(flow, shutdown);
  const auth = await createRouterAuth({ config, options, clock, log, census: fleet?.census });
  const server = build({ config, flow, queue: queue?.jobs, mode, clock, metrics, guard: auth.guard, overload });
  const grpc = await listen(config.services.router.grpc, server.rpc);
  const http = await listen(config.services.router.http, server.front, 'http1');
  return {
    listeners: [grpc, http],
    health: server.health,
    async close() {
      auth.close();
      await queue?.close();
      fleet?.close();
    },
  };
}

import { ComponentStatus } from '@ultra/contracts/health';
import { Health, HealthCheckResponse_ServingStatus as Serving } from '@ultra/contracts/grpc-health';
import { ProviderAgentService } from '@ultra/contracts/provider-agent';
import type { Address } from '@ultra/config';
import { systemClock } from '@ultra/core';
import { createServiceClient, keepWatching, runService } from '@ultra/runtime';
import { createModeTracker } from './health-service.ts';
import { createRegistry } from './registry.ts';
import { build } from './server.ts';

runService('health', async ({ config, log, shutdown }) => {
  const clock = systemClock;
  const tracker = createModeTracker(clock);
  const registry = createRegistry(() => tracker.update(registry));
  const tierOf = new Map(config.tiers.flatMap((t) => t.providers.map((p) => [p, t.name] as const)));
  const watchService = (name: string, address: Address) => {
    const client = createServiceClient(Health, address);
    const id = `${name}@${address.host}:${address.port}`;
    registry.set({ name: id, kind: 'service', status: ComponentStatus.UNKNOWN, detail: 'not heard from yet' });
    keepWatching({
      clock,
      signal: shutdown,
      retryMs: 1000,
      consume: async (signal) => {
        for await (const res of client.watch({ service: '' }, { signal })) {
          const ok = res.status === Serving.SERVING;
          registry.set({ name: id, kind: 'service', status: ok ? ComponentStatus.SERVING : ComponentStatus.NOT_SERVING, detail: ok ? '' : Serving[res.status] ?? '' });
        }
      },
      onLost: (err) =>
        registry.set({ name: id, kind: 'service', status: ComponentStatus.UNKNOWN, detail: `unreachable: ${(err as Error | undefined)?.message ?? 'stream ended'}` }),
    });
  };
  watchService('router', config.services.router.grpc);
  watchService('provider-agent', config.services.providerAgent);
  watchService('cache', config.services.cache);
  const agent = createServiceClient(ProviderAgentService, config.services.providerAgent);
  keepWatching({
    clock,
    signal: shutdown,
    retryMs: 1000,
    consume: async (signal) => {
      for await (const res of agent.watchProviders({}, { signal })) {
        for (const p of res.providers) {
          registry.set({
            name: `provider:${p.name}`,
            kind: 'provider',
            tier: tierOf.get(p.name) ?? '',
            status: p.healthy ? ComponentStatus.SERVING : ComponentStatus.NOT_SERVING,
            detail: p.detail,
          });
        }
      }
    },
    onLost: () => log.debug('provider watch lost; resubscribing'),
  });
  return build({ address: config.services.health, registry, tracker, shutdown });
});

import { systemClock } from '@ultra/core';
import { createAdapter } from '@ultra/providers';
import { runService } from '@ultra/runtime';
import { createProviderHandle, type ProviderHandle } from './provider-handle.ts';
import { createProviderWatch } from './provider-watch.ts';
import { build } from './server.ts';

runService('provider-agent', async ({ config, log, shutdown }) => {
  const clock = systemClock;
  const providers = new Map<string, ProviderHandle>();
  const watch = createProviderWatch({ snapshot: () => [...providers.values()].map((p) => p.view), clock, shutdown });
  for (const p of Object.values(config.providers)) {
    const adapter = p.unavailableReason
      ? undefined
      : createAdapter({ name: p.name, type: p.type, baseUrl: p.baseUrl, apiKey: p.apiKey, models: p.models }, { clock });
    providers.set(p.name, createProviderHandle({ config: p, adapter, clock, healthCheck: config.healthCheck, onChange: watch.notify }));
    log.info(
      { provider: p.name, type: p.type, simulated: p.simulated },
      p.unavailableReason
        ? `${p.name}: unavailable (${p.unavailableReason})`
        : `${p.name}: ${p.type} at ${p.baseUrl}${p.simulated ? ' (simulated: no provider key is set)' : ''}`,
    );
  }
  const service = await build({ address: config.services.providerAgent, providers, watch, clock });
  for (const p of providers.values()) p.start();
  watch.start();
  return {
    ...service,
    close: async () => {
      for (const p of providers.values()) p.stop();
    },
  };
});

import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { Address } from '@ultra/config';
import { Health } from '@ultra/contracts/grpc-health';
import { HealthService } from '@ultra/contracts/health';
import { createHealthRegistry, listen, type RunningService } from '@ultra/runtime';
import { createHealthService, type ModeTracker } from './health-service.ts';
import type { Registry } from './registry.ts';

/** Builds and starts the health service's listener. */
export async function build(deps: { address: Address; registry: Registry; tracker: ModeTracker; shutdown: AbortSignal }): Promise<RunningService> {
  const health = createHealthRegistry([HealthService.typeName]);
  const handler = connectNodeAdapter({
    routes: (router) => {
      router.service(HealthService, createHealthService(deps));
      router.service(Health, health.impl);
    },
  });
  const listener = await listen(deps.address, handler);
  return { listeners: [listener], health };
}

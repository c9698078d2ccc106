import type { Address } from '@ultra/config';
import { Health } from '@ultra/contracts/grpc-health';
import { HealthService } from '@ultra/contracts/health';
import { addReflection, createAdminInterceptor, createRpcHandler, createHealthRegistry, listen, type RunningService } from '@ultra/runtime';
import type { UltraConfig } from '@ultra/config';
import { createHealthService, type HealthServiceDeps } from './health-service.ts';

/** Builds and starts the health service's listener. */
export async function build(deps: HealthServiceDeps & { address: Address; config: UltraConfig }): Promise<RunningService> {
  const health = createHealthRegistry([HealthService.typeName]);
  const handler = createRpcHandler(deps.address, {
    service: 'health',
    interceptors: [createAdminInterceptor(deps.config, ['PinMode', 'UnpinMode'])],
    routes: (router) => {
      router.service(HealthService, createHealthService(deps));
      router.service(Health, health.impl);
      addReflection(router);
    },
  });
  const listener = await listen(deps.address, handler);
  return { listeners: [listener], health };
}

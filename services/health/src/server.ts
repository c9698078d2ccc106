import type { Address } from '@ultra/config';
import { Health } from '@ultra/contracts/grpc-health';
import { HealthService } from '@ultra/contracts/health';
import { addReflection, createAdminInterceptor, createRpcHandler, createHealthRegistry, type HealthRegistry, type NodeHandler } from '@ultra/runtime';
import type { UltraConfig } from '@ultra/config';
import { createHealthService, type HealthServiceDeps } from './health-service.ts';

/** The health service's handler for its address, not listening yet, and its grpc.health.v1 registry. */
export interface HealthServer {
  handler: NodeHandler;
  health: HealthRegistry;
}

/** Builds the health service's handler (HealthService, grpc.health.v1, reflection); the caller listens. */
export function build(deps: HealthServiceDeps & { address: Address; config: UltraConfig }): HealthServer {
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
  return { handler, health };
}

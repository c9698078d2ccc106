import type { Address, UltraConfig } from '@ultra/config';
import { Health } from '@ultra/contracts/grpc-health';
import { ProviderAgentAdminService, ProviderAgentService } from '@ultra/contracts/provider-agent';
import { addReflection, createAdminInterceptor, createRpcHandler, createHealthRegistry, type HealthRegistry, type NodeHandler } from '@ultra/runtime';
import { createAdminService, type AdminServiceDeps } from './admin-service.ts';
import { createAgentService, type AgentServiceDeps } from './agent-service.ts';

export interface AgentServerDeps extends AgentServiceDeps, AdminServiceDeps {
  address: Address;
  /** For the admin key check on ForceBreaker once client keys exist. */
  ultraConfig?: UltraConfig;
}

/** The provider-agent's handler for its address, not listening yet, and its grpc.health.v1 registry. */
export interface AgentServer {
  handler: NodeHandler;
  health: HealthRegistry;
}

/** Builds the provider-agent's handler: the agent service, its admin service, grpc.health.v1, reflection; the caller listens. */
export function build(deps: AgentServerDeps): AgentServer {
  const health = createHealthRegistry([ProviderAgentService.typeName, ProviderAgentAdminService.typeName]);
  const handler = createRpcHandler(deps.address, {
    service: 'provider-agent',
    interceptors: deps.ultraConfig ? [createAdminInterceptor(deps.ultraConfig, ['ForceBreaker'])] : [],
    routes: (router) => {
      router.service(ProviderAgentService, createAgentService(deps));
      router.service(ProviderAgentAdminService, createAdminService(deps));
      router.service(Health, health.impl);
      addReflection(router);
    },
  });
  return { handler, health };
}

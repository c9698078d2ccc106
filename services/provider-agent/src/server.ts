import type { Address, UltraConfig } from '@ultra/config';
import { Health } from '@ultra/contracts/grpc-health';
import { ProviderAgentAdminService, ProviderAgentService } from '@ultra/contracts/provider-agent';
import { addReflection, createAdminInterceptor, createRpcHandler, createHealthRegistry, listen, type RunningService } from '@ultra/runtime';
import { createAdminService, type AdminServiceDeps } from './admin-service.ts';
import { createAgentService, type AgentServiceDeps } from './agent-service.ts';

export interface AgentServerDeps extends AgentServiceDeps, AdminServiceDeps {
  address: Address;
  /** For the admin key check on ForceBreaker once client keys exist. */
  ultraConfig?: UltraConfig;
}

/** Builds and starts the provider-agent's listener: the agent service, its admin service, grpc.health.v1. */
export async function build(deps: AgentServerDeps): Promise<RunningService> {
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
  const listener = await listen(deps.address, handler);
  return { listeners: [listener], health };
}

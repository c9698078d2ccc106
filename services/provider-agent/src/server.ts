import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { Address } from '@ultra/config';
import { Health } from '@ultra/contracts/grpc-health';
import { ProviderAgentAdminService, ProviderAgentService } from '@ultra/contracts/provider-agent';
import { createHealthRegistry, listen, type RunningService } from '@ultra/runtime';
import { createAdminService, type AdminServiceDeps } from './admin-service.ts';
import { createAgentService, type AgentServiceDeps } from './agent-service.ts';

export interface AgentServerDeps extends AgentServiceDeps, AdminServiceDeps {
  address: Address;
}

/** Builds and starts the provider-agent's listener: the agent service, its admin service, grpc.health.v1. */
export async function build(deps: AgentServerDeps): Promise<RunningService> {
  const health = createHealthRegistry([ProviderAgentService.typeName, ProviderAgentAdminService.typeName]);
  const handler = connectNodeAdapter({
    routes: (router) => {
      router.service(ProviderAgentService, createAgentService(deps));
      router.service(ProviderAgentAdminService, createAdminService(deps));
      router.service(Health, health.impl);
    },
  });
  const listener = await listen(deps.address, handler);
  return { listeners: [listener], health };
}

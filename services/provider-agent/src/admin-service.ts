import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { ForceBreakerResponseSchema, ForceMode, GetProvidersResponseSchema, ProviderAgentAdminService } from '@ultra/contracts/provider-agent';
import type { ForceMode as BreakerForceMode } from '@ultra/resilience';
import type { ProviderActor } from './provider-actor.ts';
import { forceModeOf, toProviderState } from './provider-view.ts';

export interface AdminServiceDeps {
  providers: ReadonlyMap<string, ProviderActor>;
  /** Told of every operator override, for the log. */
  onForce?: (provider: string, mode: BreakerForceMode) => void;
}

const MODES = 'AUTO, OPEN, CLOSED, DISABLED or METRICS_ONLY';

/** ProviderAgentAdminService: the providers' state now, and operator overrides of a breaker. */
export function createAdminService(deps: AdminServiceDeps): ServiceImpl<typeof ProviderAgentAdminService> {
  const { providers } = deps;
  return {
    getProviders() {
      return create(GetProvidersResponseSchema, { providers: [...providers.values()].map((p) => toProviderState(p.view())) });
    },
    forceBreaker(req) {
      const actor = providers.get(req.provider);
      if (!actor) throw new ConnectError(`provider "${req.provider}" is not configured here (known: ${[...providers.keys()].join(', ')})`, Code.NotFound);
      const mode = forceModeOf(req.mode);
      if (mode === undefined) throw new ConnectError(`mode must be ${MODES}, got ${ForceMode[req.mode] ?? req.mode}`, Code.InvalidArgument);
      actor.force(mode);
      deps.onForce?.(req.provider, mode);
      return create(ForceBreakerResponseSchema, { provider: toProviderState(actor.view()) });
    },
  };
}

import { ComponentStatus } from '@ultra/contracts/health';
import { BreakerState, ProviderAgentService } from '@ultra/contracts/provider-agent';
import type { DialTarget } from '@ultra/config';
import type { Clock } from '@ultra/core';
import { createServiceClient, keepWatching, type Logger } from '@ultra/runtime';
import type { Registry } from './registry.ts';

/** How often a lost WatchProviders stream is asked again, ms. */
export const PROVIDER_WATCH_RETRY_MS = 1000;

/**
 * The providers' states from the agents' WatchProviders stream, as registry components
 * `provider:NAME` in their tier: serving while healthy with the breaker not open, with
 * the agent's error ratio and p99 latency.
 */
export function watchProviders(dial: readonly DialTarget[], deps: { registry: Registry; tierOf: ReadonlyMap<string, string>; clock: Clock; log: Logger; shutdown: AbortSignal }): void {
  const { registry, tierOf } = deps;
  const agent = createServiceClient(ProviderAgentService, dial);
  keepWatching({
    clock: deps.clock,
    signal: deps.shutdown,
    retryMs: PROVIDER_WATCH_RETRY_MS,
    consume: async (signal) => {
      for await (const res of agent.watchProviders({}, { signal })) {
        for (const p of res.providers) {
          const open = p.breaker === BreakerState.OPEN || p.breaker === BreakerState.FORCED_OPEN;
          registry.set({
            name: `provider:${p.name}`,
            kind: 'provider',
            tier: tierOf.get(p.name) ?? '',
            status: p.healthy && !open ? ComponentStatus.SERVING : ComponentStatus.NOT_SERVING,
            detail: open ? `breaker ${BreakerState[p.breaker]?.toLowerCase()}` : p.detail,
            errorRatio: p.errorRatio,
            latencyP99Ms: p.latencyP99Ms,
          });
        }
      }
    },
    onLost: () => deps.log.debug('provider watch lost; resubscribing'),
  });
}

import type { Client } from '@connectrpc/connect';
import type { HealthService } from '@ultra/contracts/health';
import type { ProviderAgentService } from '@ultra/contracts/provider-agent';
import type { Clock } from '@ultra/core';
import { keepWatching, type Logger, type ServiceConnection } from '@ultra/runtime';
import { AGENT_WATCH_RETRY_MS, HEALTH_WATCH_RETRY_MS } from './config.ts';
import type { Link } from './links/links.ts';
import type { ModeState } from './mode-state.ts';
import type { ProviderBook } from './routing/provider-book.ts';

/**
 * One WatchProviders stream to every agent endpoint (each `dns:` lookup adds or ends
 * some), so the router hears every replica, not the one a connection landed on. A message
 * (not guarded) shows an agent is back, which closes the agent link's breaker at once
 * rather than at its next trial call.
 */
export function watchAgents(deps: { agents: ServiceConnection<typeof ProviderAgentService>; link: Link; book: ProviderBook; clock: Clock; log: Logger; shutdown: AbortSignal }): void {
  const { agents, link, book, clock, log } = deps;
  agents.eachEndpoint(deps.shutdown, (client, endpoint, signal) =>
    keepWatching({
      clock,
      signal,
      retryMs: AGENT_WATCH_RETRY_MS,
      consume: async (signal) => {
        for await (const res of client.watchProviders({}, { signal })) {
          link.breaker.reset();
          book.updateFromAgent(res.providers, endpoint);
        }
      },
      onLost: (err) => {
        // what this agent said no longer counts in the merge (open if any agent has it open)
        book.forgetAgent(endpoint);
        log.debug({ endpoint, err: err instanceof Error ? err.message : undefined }, 'provider watch lost; resubscribing');
      },
    }),
  );
}

/** The degraded mode, from the health service's WatchStatus stream; `mode` is told when the stream is lost. */
export function watchHealth(deps: { health: Client<typeof HealthService>; mode: ModeState; clock: Clock; shutdown: AbortSignal }): void {
  const { health, mode } = deps;
  keepWatching({
    clock: deps.clock,
    signal: deps.shutdown,
    retryMs: HEALTH_WATCH_RETRY_MS,
    consume: async (signal) => {
      for await (const res of health.watchStatus({}, { signal })) mode.heard(res.status?.mode ?? 0, res.status?.reason ?? '');
    },
    onLost: () => mode.lost(),
  });
}

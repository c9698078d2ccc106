import type { Interceptor } from '@connectrpc/connect';
import type { Clock } from '@ultra/core';
import { createConsecutiveBreaker, type ConsecutiveBreaker, type ConsecutiveBreakerOptions } from '@ultra/resilience';
import type { Logger } from '@ultra/runtime';
import { createLinkGuard, type LinkRetryOptions } from './link-guard.ts';

/** How long the agent link stays open before a trial call, ms (the cache's: the breaker's default, 1 s). */
export const AGENT_LINK_OPEN_MS = 500;

/** One guarded link: its breaker, and the interceptor to build its client with. */
export interface Link {
  readonly breaker: ConsecutiveBreaker;
  readonly guard: Interceptor;
}

/** The router's links to its cache and its provider-agent. */
export interface Links {
  readonly cache: Link;
  readonly agent: Link;
}

export interface LinksDeps {
  clock: Clock;
  /** Told of every change of a link breaker's state. */
  log: Logger;
  /** Over the breaker's defaults (3 failures, 1 s open). */
  cache?: Partial<ConsecutiveBreakerOptions> | undefined;
  /** Over 3 failures, {@link AGENT_LINK_OPEN_MS} open, and the link retry's defaults. */
  agent?: (Partial<ConsecutiveBreakerOptions> & { retry?: Partial<LinkRetryOptions> | undefined }) | undefined;
}

/**
 * The breakers and guards on the router's links (see `createLinkGuard`): a dead cache is
 * skipped and a dead agent fails fast instead of being dialled on every request. Pass each
 * `guard` to `createServiceClient` for that service; the agent's breaker is also closed at
 * once by a WatchProviders message (main.ts), which shows the agent is back.
 */
export function createLinks(deps: LinksDeps): Links {
  const { clock, log } = deps;
  const watch = (service: string, breaker: ConsecutiveBreaker) =>
    breaker.onChange((state) =>
      state === 'open'
        ? log.warn({ service, retry_in_ms: breaker.openUntil - clock.now() }, `${service} unreachable: link breaker open, going on without it`)
        : log.info({ service, state }, `${service} link breaker ${state}`),
    );
  const { retry, ...agentBreaker } = deps.agent ?? {};
  const cache = createConsecutiveBreaker(deps.cache ?? {}, clock);
  const agent = createConsecutiveBreaker({ openMs: AGENT_LINK_OPEN_MS, ...agentBreaker }, clock);
  watch('cache', cache);
  watch('provider-agent', agent);
  return {
    cache: { breaker: cache, guard: createLinkGuard({ service: 'cache', breaker: cache, clock, methods: ['get', 'lease', 'releaseLease', 'put'], countDeadline: true }) },
    agent: {
      breaker: agent,
      guard: createLinkGuard({ service: 'provider-agent', breaker: agent, clock, methods: ['invoke', 'streamInvoke'], countDeadline: false, retry: retry ?? {} }),
    },
  };
}

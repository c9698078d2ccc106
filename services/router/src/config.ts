import type { ClientKey, QueueConfig, UltraConfig } from '@ultra/config';
import { closeReserveMs } from '@ultra/runtime';

/**
 * What the router's wiring takes from config (`start.ts`); the parts that read a section
 * of their own (routing, the chat flow, the overload guard, the fronts) are given the
 * whole config.
 */
export interface RouterOptions {
  /** Where the router reaches the other services. */
  readonly dial: UltraConfig['services']['dial'];
  /** A mode not heard from the health service for this long is stale, ms (`modes.router_stale_after`). */
  readonly modeStaleAfterMs: number;
  /** Redis, for the durable queue and the per-key limits shared across routers; none: neither. */
  readonly redisUrl: string | undefined;
  readonly queue: QueueConfig;
  /** Whether this router also runs the queue's worker (`queue.worker`). */
  readonly worker: boolean;
  /** How long running jobs may go on once the drain starts: the requests' share of `shutdown.grace`, ms. */
  readonly jobsGraceMs: number;
  /** Client keys (hashes only); none: the router runs open. */
  readonly keys: readonly ClientKey[];
}

/**
 * How often a lost WatchProviders stream to an agent is asked again, ms: while the agent
 * is gone, so that its first message (which closes the agent link's breaker) comes soon.
 */
export const AGENT_WATCH_RETRY_MS = 250;
/** How often a lost WatchStatus stream to the health service is asked again, ms. */
export const HEALTH_WATCH_RETRY_MS = 1000;

/** The router's options from the parsed config. */
export function routerOptions(config: UltraConfig): RouterOptions {
  return Object.freeze({
    dial: config.services.dial,
    modeStaleAfterMs: config.modes.routerStaleAfterMs,
    redisUrl: config.cache.redisUrl?.reveal(),
    queue: config.queue,
    worker: config.queue.worker,
    jobsGraceMs: config.shutdown.graceMs - closeReserveMs(config.shutdown.graceMs),
    keys: config.auth.keys,
  });
}

import type { Redis } from 'ioredis';
import type { Clock } from '@ultra/core';
import { createFleetMembers, type FleetMembers } from '@ultra/runtime';

/** How often a router says it is alive, ms. */
export const HEARTBEAT_MS = 5_000;
/** A router not heard from for this long is no longer counted, ms. */
export const HEARTBEAT_TTL_MS = 15_000;
/** The sorted set of the routers' heartbeats. */
export const ROUTERS_KEY = 'ultra:router:live';

/** How many routers are alive, from heartbeats in Redis; see {@link createRouterCensus}. */
export interface RouterCensus {
  /** Routers alive at the last reading while Redis answered (this one included); 1 before any. */
  readonly live: number;
  /** Beats once now (also done every {@link HEARTBEAT_MS}) and reads the count. */
  beat(): Promise<void>;
  stop(): void;
}

/**
 * Every router writes its id into one sorted set ({@link ROUTERS_KEY}) every
 * {@link HEARTBEAT_MS} and counts the members heard within {@link HEARTBEAT_TTL_MS} (the
 * fleet's heartbeats, `createFleetMembers`, as the agents keep theirs). The count is kept
 * when Redis goes away, which is when the limits need it: each router's in-memory limits
 * are then the key's limits divided by it. The failover budget's floor is divided by it too.
 */
export function createRouterCensus(options: { redis: Redis; id: string; clock: Clock; key?: string; onChange?: (live: number) => void; onError?: (err: unknown) => void }): RouterCensus {
  const members: FleetMembers = createFleetMembers({
    client: options.redis,
    clock: options.clock,
    id: options.id,
    key: options.key ?? ROUTERS_KEY,
    everyMs: HEARTBEAT_MS,
    ttlMs: HEARTBEAT_TTL_MS,
    // Redis away: the last count stands.
    onError: options.onError ?? (() => undefined),
    ...(options.onChange ? { onChange: options.onChange } : {}),
  });
  void members.beat();
  members.start();
  return {
    get live() {
      return members.live;
    },
    beat: members.beat,
    stop() {
      void members.stop();
    },
  };
}

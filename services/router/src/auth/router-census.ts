import type { Redis } from 'ioredis';
import type { Clock } from '@ultra/core';

/** How often a router says it is alive, ms. */
export const HEARTBEAT_MS = 5_000;
/** A router not heard from for this long is no longer counted, ms. */
export const HEARTBEAT_TTL_MS = 15_000;

/** How many routers are alive, from heartbeats in Redis; see {@link createRouterCensus}. */
export interface RouterCensus {
  /** Routers alive at the last reading while Redis answered (this one included); 1 before any. */
  readonly live: number;
  /** Beats once now (also done every {@link HEARTBEAT_MS}) and reads the count. */
  beat(): Promise<void>;
  stop(): void;
}

/**
 * Every router writes its id with the time into one sorted set (`<prefix>:routers`) every
 * {@link HEARTBEAT_MS} and counts the members heard within {@link HEARTBEAT_TTL_MS}. The
 * count is kept when Redis goes away, which is when it is needed: each router's in-memory
 * limits are then the key's limits divided by it, so the fleet together stays near them.
 */
export function createRouterCensus(options: { redis: Redis; id: string; clock: Clock; prefix: string }): RouterCensus {
  const { redis, id, clock } = options;
  const key = `${options.prefix}:routers`;
  let live = 1;
  let timer: unknown;
  let stopped = false;
  const beat = async () => {
    const now = clock.now();
    try {
      const replies = await redis
        .multi()
        .zadd(key, now, id)
        .zremrangebyscore(key, '-inf', now - HEARTBEAT_TTL_MS)
        .zcard(key)
        .pexpire(key, HEARTBEAT_TTL_MS * 2)
        .exec();
      // The third reply is ZCARD's: the routers heard from within the TTL (none when the transaction was aborted).
      const [err, counted] = replies?.[2] ?? [null, undefined];
      if (!err && typeof counted === 'number') live = Math.max(1, counted);
    } catch {
      // Redis away: the last count stands.
    }
  };
  const loop = () => {
    if (stopped) return;
    void beat().finally(() => {
      if (!stopped) timer = clock.setTimeout(loop, HEARTBEAT_MS);
    });
  };
  loop();
  return {
    get live() {
      return live;
    },
    beat,
    stop() {
      stopped = true;
      clock.clearTimeout(timer);
      void redis.zrem(key, id).catch(() => undefined);
    },
  };
}

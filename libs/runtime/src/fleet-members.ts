import type { Clock } from '@ultra/core';
import type { ScriptClient } from './fleet-lease.ts';

/** Adds ARGV[1] to the sorted set KEYS[1] until ARGV[2] + ARGV[3] (epoch ms), drops those past ARGV[2], answers how many are left. */
const BEAT = `
local now = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('ZCARD', KEYS[1])`;

export interface FleetMembersDeps {
  readonly client: ScriptClient & { zrem(key: string, member: string): Promise<unknown> };
  readonly clock: Clock;
  /** This replica's name in its fleet. */
  readonly id: string;
  /** The sorted set: each service its own (`ultra:agent:live`, `ultra:router:live`). */
  readonly key: string;
  /** How often the replica says it is alive. Milliseconds. Default 1000. */
  readonly everyMs?: number;
  /** A replica not heard for this long is left out of the count. Milliseconds. Default 3000. */
  readonly ttlMs?: number;
  /** Told the live count when it changes. */
  readonly onChange?: (live: number) => void;
  /** A heartbeat failed: the last count holds until Redis answers again. */
  readonly onError: (err: unknown) => void;
}

/**
 * The live replicas of a service: each heartbeats into one sorted set (score: when its
 * entry expires), so every agent knows how many share a provider's bulkhead and every
 * router how many share a limit or a budget's floor. While Redis cannot answer, the last
 * count is kept: the fleet did not grow because Redis went away.
 */
export function createFleetMembers(deps: FleetMembersDeps) {
  const key = deps.key;
  const everyMs = deps.everyMs ?? 1_000;
  const ttlMs = deps.ttlMs ?? 3_000;
  let live = 1;
  let timer: unknown;
  let stopped = false;
  const beat = async (): Promise<void> => {
    try {
      const n = await deps.client.eval(BEAT, 1, key, deps.id, deps.clock.now(), ttlMs);
      if (typeof n !== 'number' || n < 1 || n === live) return;
      live = n;
      deps.onChange?.(n);
    } catch (e) {
      deps.onError(e);
    }
  };
  const loop = () => {
    if (stopped) return;
    timer = deps.clock.setTimeout(() => void beat().finally(loop), everyMs);
  };
  return {
    /** Replicas alive now, this one included (1 until the first heartbeat answers). */
    get live() {
      return live;
    },
    /** One heartbeat now; resolves when Redis has answered (or failed). */
    beat,
    /** Heartbeats every `everyMs` from now. */
    start() {
      stopped = false;
      loop();
    },
    /** Stops the heartbeats and takes this replica out of the count. */
    async stop(): Promise<void> {
      stopped = true;
      deps.clock.clearTimeout(timer);
      await deps.client.zrem(key, deps.id).catch((e: unknown) => deps.onError(e));
    },
  };
}

export type FleetMembers = ReturnType<typeof createFleetMembers>;

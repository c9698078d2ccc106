import type { Clock } from '@ultra/core';

/** The one Redis command the fleet's scripts use (ioredis has it). */
export interface ScriptClient {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/**
 * Takes the lease in KEYS[1] for ARGV[1] (the holder) for ARGV[3] ms from ARGV[2] (now,
 * epoch ms of the caller's clock): granted when free, expired by that clock, or already the
 * caller's (which renews it). The value is `holder|until`; PX lets Redis drop it too.
 * The SET NX PX of the brief, with the expiry readable so that tests can drive time.
 */
const TAKE = `
local v = redis.call('GET', KEYS[1])
local now = tonumber(ARGV[2])
if v then
  local sep = string.find(v, '|', 1, true)
  if sep then
    local holder = string.sub(v, 1, sep - 1)
    local untilMs = tonumber(string.sub(v, sep + 1)) or 0
    if holder ~= ARGV[1] and untilMs > now then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. (now + tonumber(ARGV[3])), 'PX', ARGV[3])
return 1`;

/** Deletes the lease in KEYS[1] if ARGV[1] holds it. */
const RELEASE = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '|' then redis.call('DEL', KEYS[1]) end
return 1`;

export interface FleetLeasesDeps {
  readonly client: ScriptClient;
  readonly clock: Clock;
  /** This replica's name in its fleet (unique per process). */
  readonly holder: string;
  /** Key of lease `name` is `keyPrefix + name`: each service its own (`ultra:agent:lease:`, `ultra:router:lease:`). */
  readonly keyPrefix: string;
  /** Longest wait for Redis's answer; past it the lease is decided by `whenUnanswered`. Milliseconds. Default 1000. */
  readonly timeoutMs?: number;
  /**
   * A lease Redis cannot answer for: `grant` (default) it here alone, for work that must go
   * on without Redis (an agent's trial and probe); `refuse` it, for work that reads Redis
   * anyway or that must not be done twice (the router exporting the fleet's gauges).
   */
  readonly whenUnanswered?: 'grant' | 'refuse';
  /** Redis failed (the lease is then decided by `whenUnanswered`), and the caller says so. */
  readonly onError: (err: unknown) => void;
}

/**
 * Short expiring leases shared by the replicas of a service, one holder per name at a time:
 * the agents' half-open trial and health probe per provider, the router that exports the
 * fleet-wide gauges (fleet-role.ts).
 */
export interface FleetLeases {
  /** True when this replica holds `name` for `ttlMs` from now (taken or renewed); when Redis cannot answer, as `whenUnanswered` says. */
  take(name: string, ttlMs: number): Promise<boolean>;
  /** Gives `name` back if this replica holds it (in the background). */
  release(name: string): void;
}

export function createFleetLeases(deps: FleetLeasesDeps): FleetLeases {
  const prefix = deps.keyPrefix;
  const timeoutMs = deps.timeoutMs ?? 1_000;
  const unanswered = (deps.whenUnanswered ?? 'grant') === 'grant';
  return {
    async take(name, ttlMs) {
      let timer: unknown;
      const late = new Promise<never>((_, reject) => {
        timer = deps.clock.setTimeout(() => reject(new Error(`no answer from Redis within ${timeoutMs} ms for lease ${prefix}${name}`)), timeoutMs);
      });
      try {
        const granted = await Promise.race([deps.client.eval(TAKE, 1, prefix + name, deps.holder, deps.clock.now(), Math.max(1, Math.ceil(ttlMs))), late]);
        return granted === 1;
      } catch (e) {
        deps.onError(e);
        return unanswered;
      } finally {
        deps.clock.clearTimeout(timer);
      }
    },
    release(name) {
      deps.client.eval(RELEASE, 1, prefix + name, deps.holder).catch((e: unknown) => deps.onError(e));
    },
  };
}

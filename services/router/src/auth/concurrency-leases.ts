import type { Redis } from 'ioredis';
import type { Clock } from '@ultra/core';

/** A held slot expires this long after it was taken or last renewed, ms: a crashed router's slots come back within it. */
export const LEASE_TTL_MS = 30_000;
/** Held slots are renewed this often, ms. */
export const LEASE_RENEW_MS = 10_000;

/**
 * Takes a slot when fewer than ARGV[2] unexpired ones are held: drops expired slots, then
 * adds ARGV[3] scored by its expiry. KEYS: the key's slot set. ARGV: now, max, slot id,
 * expiry, set TTL (ms). Returns 1 when taken.
 */
const ACQUIRE = `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`;

/**
 * Concurrency slots of client keys as expiring leases in Redis: a slot is a member of the
 * key's sorted set scored by when it expires, taken atomically (a Lua script: expired ones
 * dropped, then counted), renewed every {@link LEASE_RENEW_MS} while its request runs and
 * removed at its end. A router that dies holding slots stops renewing them: they are free
 * again {@link LEASE_TTL_MS} later, whatever the traffic.
 */
export function createConcurrencyLeases(options: { redis: Redis; id: string; clock: Clock }) {
  const { redis, clock } = options;
  const held = new Map<string, string>(); // slot id → set key
  let seq = 0;
  let timer: unknown;
  let stopped = false;
  const renew = async () => {
    const expiry = clock.now() + LEASE_TTL_MS;
    const bySet = new Map<string, string[]>();
    for (const [slot, set] of held) bySet.set(set, [...(bySet.get(set) ?? []), slot]);
    await Promise.all(
      [...bySet].map(([set, slots]) =>
        redis
          .multi()
          .zadd(set, 'XX', ...slots.flatMap((s) => [expiry, s]))
          .pexpire(set, LEASE_TTL_MS)
          .exec()
          .catch(() => undefined),
      ),
    );
  };
  const loop = () => {
    if (stopped) return;
    timer = clock.setTimeout(() => void renew().finally(loop), LEASE_RENEW_MS);
  };
  loop();
  return {
    /** Takes one of `max` slots of `set`; resolves with its release, or undefined when all are held. Rejects when Redis fails. */
    async acquire(set: string, max: number): Promise<(() => Promise<void>) | undefined> {
      const slot = `${options.id}:${++seq}`;
      const now = clock.now();
      const taken = await redis.eval(ACQUIRE, 1, set, now, max, slot, now + LEASE_TTL_MS, LEASE_TTL_MS);
      if (taken !== 1) return undefined;
      held.set(slot, set);
      return async () => {
        if (!held.delete(slot)) return;
        await redis.zrem(set, slot).catch(() => undefined);
      };
    },
    /** Renews every held slot now (also done every {@link LEASE_RENEW_MS}). */
    renew,
    stop() {
      stopped = true;
      clock.clearTimeout(timer);
    },
  };
}

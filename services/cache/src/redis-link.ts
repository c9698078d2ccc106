import type { Redis } from 'ioredis';
import type { Clock } from '@ultra/core';
import type { CacheCounters } from './counters.ts';
import type { ConsecutiveBreaker } from '@ultra/resilience';

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: 'skipped' | 'error' | 'timeout' };

export interface RedisLinkDeps {
  redis: Redis;
  clock: Clock;
  breaker: ConsecutiveBreaker;
  counters: CacheCounters;
  /** Longest wait for one call, in ms: a slower call is a failure. */
  timeoutMs: number;
}

/** Every call the cache makes to Redis goes through here: never waits past the timeout, never throws. */
export interface RedisLink {
  /**
   * Runs `op` unless Redis is disconnected or the breaker refuses. A `probe` bypasses an
   * open breaker (it is how the cache finds out Redis is back) and closes it on success.
   */
  run<T>(op: (redis: Redis) => Promise<T>, options?: { probe?: boolean }): Promise<Result<T>>;
  /** Connected and the breaker closed. */
  readonly available: boolean;
  readonly connected: boolean;
  readonly breaker: ConsecutiveBreaker;
}

export function createRedisLink(deps: RedisLinkDeps): RedisLink {
  const { redis, clock, breaker, counters } = deps;
  return {
    async run(op, options = {}) {
      const permit = redis.status !== 'ready' ? undefined : options.probe ? breaker.probe() : breaker.tryStart();
      if (!permit) {
        counters.redisSkipped++;
        return { ok: false, reason: 'skipped' };
      }
      let timer: unknown;
      const timeout = new Promise<'timeout'>((resolve) => (timer = clock.setTimeout(() => resolve('timeout'), deps.timeoutMs)));
      const call = op(redis).then(
        (value) => ({ ok: true as const, value }),
        () => ({ ok: false as const, reason: 'error' as const }),
      );
      const outcome = await Promise.race([call, timeout]);
      clock.clearTimeout(timer);
      if (outcome === 'timeout') {
        counters.redisErrors++;
        counters.redisTimeouts++;
        permit.failure();
        return { ok: false, reason: 'timeout' };
      }
      if (!outcome.ok) {
        counters.redisErrors++;
        permit.failure();
        return outcome;
      }
      permit.success();
      return outcome;
    },
    get available() {
      return redis.status === 'ready' && breaker.state === 'closed';
    },
    get connected() {
      return redis.status === 'ready';
    },
    breaker,
  };
}

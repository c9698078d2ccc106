import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { randomUUID } from 'node:crypto';
import type { ClientKey } from '@ultra/config';
import { RateLimitedError, systemClock, type Clock } from '@ultra/core';
import { createConcurrencyLeases } from './concurrency-leases.ts';
import { createRouterCensus, type RouterCensus } from './router-census.ts';

/** A request over one of its key's limits: a domain `RateLimitedError` naming the limit and its value. */
export class KeyLimitError extends RateLimitedError {
  override readonly name: string = 'KeyLimitError';

  constructor(
    readonly limit: 'requests_per_minute' | 'tokens_per_minute' | 'concurrency' | 'concurrent_streams',
    readonly value: number,
    retryAfterMs: number,
  ) {
    super(`over this key's ${limit} limit of ${value}; retry in ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs);
  }
}

export const isKeyLimitError = (e: unknown): e is KeyLimitError => e instanceof KeyLimitError;

/** Options of {@link createKeyLimiter}. */
export interface KeyLimiterOptions {
  redis?: Redis | undefined;
  /** Prefix of every Redis key. Default `ultra:limit`. */
  prefix?: string;
  clock?: Clock;
  /** This router's id in the heartbeats and slot names. Default a random UUID. */
  id?: string;
  /**
   * The router's heartbeats (router-fleet.ts), kept by whoever made them. Default: the
   * limiter's own, under `<prefix>:routers`, when there is a Redis.
   */
  census?: RouterCensus | undefined;
}

/**
 * Per-key limits across every router replica. With Redis: requests and tokens per
 * minute through rate-limiter-flexible, concurrency as expiring leases
 * (concurrency-leases.ts), and a heartbeat per router (router-census.ts). When Redis
 * fails, each router falls back to memory with the key's limits divided by the routers
 * last counted alive (rounded up), so the fleet admits about what one Redis would. Without
 * Redis at all: in memory, whole.
 */
export function createKeyLimiter(options: KeyLimiterOptions) {
  const prefix = options.prefix ?? 'ultra:limit';
  const clock = options.clock ?? systemClock;
  const id = options.id ?? randomUUID();
  const { redis } = options;
  const own = !options.census && redis ? createRouterCensus({ redis, id, clock, key: `${prefix}:routers` }) : undefined;
  const census = options.census ?? own;
  const leases = redis ? createConcurrencyLeases({ redis, id, clock }) : undefined;
  const limiters = new Map<string, RateLimiterAbstract>();
  const local = new Map<string, number>();
  /** This router's share of `max` while Redis is away. */
  const share = (max: number) => Math.max(1, Math.ceil(max / (census?.live ?? 1)));

  const limiter = (kind: string, points: number, shared: boolean): RateLimiterAbstract => {
    const lid = `${shared ? 'redis' : 'memory'}:${kind}:${points}`;
    let l = limiters.get(lid);
    if (!l) {
      const opts = { keyPrefix: `${prefix}:${kind}`, points, duration: 60 };
      l = shared && redis ? new RateLimiterRedis({ ...opts, storeClient: redis }) : new RateLimiterMemory(opts);
      limiters.set(lid, l);
    }
    return l;
  };

  const consume = async (kind: 'requests_per_minute' | 'tokens_per_minute', key: ClientKey, max: number, points: number) => {
    if (max <= 0 || points <= 0) return;
    const take = async (l: RateLimiterAbstract, limit: number) => {
      try {
        await l.consume(key.name, Math.min(points, limit));
      } catch (e) {
        if (e instanceof RateLimiterRes) throw new KeyLimitError(kind, limit, e.msBeforeNext);
        throw e;
      }
    };
    if (!redis) return take(limiter(kind, max, false), max);
    try {
      await take(limiter(kind, max, true), max);
    } catch (e) {
      if (isKeyLimitError(e)) throw e;
      // Redis failed: this router's share, in memory.
      await take(limiter(kind, share(max), false), share(max));
    }
  };

  const inMemory = (kind: 'concurrency' | 'concurrent_streams', key: ClientKey, max: number): (() => Promise<void>) => {
    const lid = `${kind}:${key.name}`;
    const n = (local.get(lid) ?? 0) + 1;
    if (n > max) throw new KeyLimitError(kind, max, 1000);
    local.set(lid, n);
    let done = false;
    return async () => {
      if (!done) local.set(lid, (local.get(lid) ?? 1) - 1);
      done = true;
    };
  };

  const counter = async (kind: 'concurrency' | 'concurrent_streams', key: ClientKey, max: number): Promise<() => Promise<void>> => {
    if (max <= 0) return async () => undefined;
    if (!leases) return inMemory(kind, key, max);
    let release: (() => Promise<void>) | undefined;
    try {
      release = await leases.acquire(`${prefix}:${kind}:${key.name}`, max);
    } catch {
      return inMemory(kind, key, share(max));
    }
    if (!release) throw new KeyLimitError(kind, max, 1000);
    return release;
  };

  return {
    /**
     * Admits one request of `key`, counting `estimatedTokens` against its token budget.
     * Resolves with the function that ends it; rejects with {@link KeyLimitError}.
     */
    async admit(key: ClientKey, estimatedTokens: number, stream: boolean): Promise<() => Promise<void>> {
      await consume('requests_per_minute', key, key.requestsPerMinute, 1);
      await consume('tokens_per_minute', key, key.tokensPerMinute, estimatedTokens);
      const release = await counter('concurrency', key, key.concurrency);
      try {
        const releaseStream = stream ? await counter('concurrent_streams', key, key.concurrentStreams) : async () => undefined;
        return async () => {
          await Promise.all([release(), releaseStream()]);
        };
      } catch (e) {
        await release();
        throw e;
      }
    },
    /** Counts tokens an answer used beyond the estimate. */
    async charge(key: ClientKey, tokens: number) {
      if (key.tokensPerMinute <= 0 || tokens <= 0) return;
      await limiter('tokens_per_minute', key.tokensPerMinute, redis !== undefined)
        .penalty(key.name, tokens)
        .catch(() => undefined);
    },
    /** Routers counted alive (1 without Redis). */
    get liveRouters() {
      return census?.live ?? 1;
    },
    /** Beats and renews now (both also run on their own timers): for tests on a manual clock. */
    async tick() {
      await Promise.all([census?.beat(), leases?.renew()]);
    },
    /** Stops the heartbeat and the renewals. */
    stop() {
      own?.stop();
      leases?.stop();
    },
  };
}

export type KeyLimiter = ReturnType<typeof createKeyLimiter>;

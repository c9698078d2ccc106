import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { ClientKey } from '@ultra/config';

/** A request over one of its key's limits. */
export class KeyLimitError extends Error {
  constructor(
    readonly limit: 'requests_per_minute' | 'tokens_per_minute' | 'concurrency' | 'concurrent_streams',
    readonly value: number,
    readonly retryAfterMs: number,
  ) {
    super(`over this key's ${limit} limit of ${value}; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = 'KeyLimitError';
  }
}

export const isKeyLimitError = (e: unknown): e is KeyLimitError => e instanceof KeyLimitError;

const CONCURRENCY_TTL_S = 600;

/**
 * Per-key limits across every router replica, through Redis when there is one
 * (rate-limiter-flexible for requests and tokens per minute; a counter with a TTL for
 * concurrency), in memory otherwise.
 */
export function createKeyLimiter(options: { redis?: Redis | undefined; prefix?: string }) {
  const prefix = options.prefix ?? 'ultra:limit';
  const limiters = new Map<string, RateLimiterAbstract>();
  const local = new Map<string, number>();

  const limiter = (kind: string, points: number): RateLimiterAbstract => {
    const id = `${kind}:${points}`;
    let l = limiters.get(id);
    if (!l) {
      const opts = { keyPrefix: `${prefix}:${kind}`, points, duration: 60 };
      l = options.redis
        ? new RateLimiterRedis({ ...opts, storeClient: options.redis, insuranceLimiter: new RateLimiterMemory(opts) })
        : new RateLimiterMemory(opts);
      limiters.set(id, l);
    }
    return l;
  };

  const consume = async (kind: 'requests_per_minute' | 'tokens_per_minute', key: ClientKey, max: number, points: number) => {
    if (max <= 0 || points <= 0) return;
    try {
      await limiter(kind, max).consume(key.name, Math.min(points, max));
    } catch (e) {
      if (e instanceof RateLimiterRes) throw new KeyLimitError(kind, max, e.msBeforeNext);
      throw e;
    }
  };

  const counter = async (kind: 'concurrency' | 'concurrent_streams', key: ClientKey, max: number): Promise<() => Promise<void>> => {
    if (max <= 0) return async () => undefined;
    const id = `${prefix}:${kind}:${key.name}`;
    if (options.redis) {
      const n = await options.redis.incr(id);
      await options.redis.expire(id, CONCURRENCY_TTL_S);
      if (n > max) {
        await options.redis.decr(id);
        throw new KeyLimitError(kind, max, 1000);
      }
      let done = false;
      return async () => {
        if (done) return;
        done = true;
        await options.redis!.decr(id).catch(() => undefined);
      };
    }
    const n = (local.get(id) ?? 0) + 1;
    if (n > max) throw new KeyLimitError(kind, max, 1000);
    local.set(id, n);
    let done = false;
    return async () => {
      if (!done) local.set(id, (local.get(id) ?? 1) - 1);
      done = true;
    };
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
      await limiter('tokens_per_minute', key.tokensPerMinute).penalty(key.name, tokens).catch(() => undefined);
    },
  };
}

export type KeyLimiter = ReturnType<typeof createKeyLimiter>;

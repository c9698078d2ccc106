import type { CallOptions, Client } from '@connectrpc/connect';
import type { CacheService } from '@ultra/contracts/cache';
import type { Clock } from '@ultra/core';
import type { LinkBreaker } from './link-breaker.ts';
import { judgeLinkError, LinkDownError, linkFailure } from './link-errors.ts';

type CacheClient = Client<typeof CacheService>;

const SERVICE = 'cache';

/**
 * The router's client of the cache behind a {@link LinkBreaker}. The cache is never
 * needed to answer: a call the cache does not answer (refused, reset, past its tight
 * timeout) counts against the breaker, and once it is open every call fails at once with
 * {@link LinkDownError}, which the request path takes as a miss, so requests go straight
 * to the providers at their usual latency instead of dialling (or waiting on) a dead cache
 * three times each. One trial call every `openMs` finds the cache when it is back.
 */
export function guardCache(cache: CacheClient, breaker: LinkBreaker, clock: Clock): CacheClient {
  const guarded = <T>(callOptions: CallOptions | undefined, call: () => Promise<T>): Promise<T> => {
    const permit = breaker.tryStart();
    if (!permit) return Promise.reject(new LinkDownError(SERVICE, breaker.openUntil - clock.now()));
    return call().then(
      (value) => {
        permit.success();
        return value;
      },
      (e: unknown) => {
        const verdict = judgeLinkError(e, callOptions?.signal, true);
        if (verdict === 'answered') permit.success();
        else if (verdict === 'neutral') permit.neutral();
        else permit.failure();
        throw verdict === 'failed' ? linkFailure(SERVICE, e) : e;
      },
    );
  };
  return {
    ...cache,
    get: (request, o) => guarded(o, () => cache.get(request, o)),
    lease: (request, o) => guarded(o, () => cache.lease(request, o)),
    releaseLease: (request, o) => guarded(o, () => cache.releaseLease(request, o)),
    put: (request, o) => guarded(o, () => cache.put(request, o)),
  };
}

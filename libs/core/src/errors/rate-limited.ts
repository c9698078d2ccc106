import { RefusedForNowError, domainErrorKind } from './domain-error.ts';

/**
 * A limit refuses the request for now (a client key's requests or tokens per minute,
 * every provider rate-limited); `retryAfterMs` says when to come back (0: no advice). At
 * the RPC edge: RESOURCE_EXHAUSTED with `retry-after` and `retry-after-ms`.
 */
export class RateLimitedError extends RefusedForNowError {
  override readonly name: string = 'RateLimitedError';

  constructor(message: string, retryAfterMs: number) {
    super('rate-limited', message, retryAfterMs);
  }
}

export const isRateLimited = (e: unknown): e is RateLimitedError => domainErrorKind(e) === 'rate-limited';

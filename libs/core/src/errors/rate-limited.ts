import { DomainError, domainErrorKind } from './domain-error.ts';

/**
 * A limit refuses the request for now (a client key's requests or tokens per minute,
 * every provider rate-limited); `retryAfterMs` says when to come back (0: no advice). At
 * the RPC edge: RESOURCE_EXHAUSTED with `retry-after` and `retry-after-ms`.
 */
export class RateLimitedError extends DomainError {
  override readonly name: string = 'RateLimitedError';

  constructor(
    message: string,
    /** When asking again may succeed, ms from now; 0 when nothing is known. */
    readonly retryAfterMs: number,
  ) {
    super('rate-limited', message);
  }
}

export const isRateLimited = (e: unknown): e is RateLimitedError => domainErrorKind(e) === 'rate-limited';

import { DomainError, domainErrorKind } from './domain-error.ts';

/**
 * Ultra cannot take the request now, and tried no provider: its degraded mode does not
 * serve the request's priority, its own saturation sheds it, or no provider is available.
 * `retryAfterMs` says when to come back (0: no advice). At the RPC edge: UNAVAILABLE with
 * `retry-after` and `retry-after-ms`.
 */
export class UnavailableError extends DomainError {
  override readonly name: string = 'UnavailableError';

  constructor(
    message: string,
    /** When asking again may succeed, ms from now; 0 when nothing is known. */
    readonly retryAfterMs: number,
  ) {
    super('unavailable', message);
  }
}

export const isUnavailable = (e: unknown): e is UnavailableError => domainErrorKind(e) === 'unavailable';

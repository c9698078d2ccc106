import { RefusedForNowError, domainErrorKind } from './domain-error.ts';

/**
 * Ultra cannot take the request now, and tried no provider: its degraded mode does not
 * serve the request's priority, its own saturation sheds it, or no provider is available.
 * `retryAfterMs` says when to come back (0: no advice). At the RPC edge: UNAVAILABLE with
 * `retry-after` and `retry-after-ms`.
 */
export class UnavailableError extends RefusedForNowError {
  override readonly name: string = 'UnavailableError';

  constructor(message: string, retryAfterMs: number) {
    super('unavailable', message, retryAfterMs);
  }
}

export const isUnavailable = (e: unknown): e is UnavailableError => domainErrorKind(e) === 'unavailable';

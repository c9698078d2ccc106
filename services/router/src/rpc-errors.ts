import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { isDomainError, isGivenUp, isRateLimited, isUnavailable, type DomainErrorKind } from '@ultra/core';
import { withRetryAfter } from './flow/failures.ts';

/** The status code each kind of domain error has at the RPC edge. */
const CODES: Record<DomainErrorKind, Code> = {
  'invalid-request': Code.InvalidArgument,
  'no-candidates': Code.InvalidArgument,
  'rate-limited': Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  // (a GivenUpError's own `why` picks between the two)
  'given-up': Code.Canceled,
};

/**
 * The one translation of errors into RPC errors, for both fronts (the RPC interceptor
 * below, the OpenAI front's statuses) and the request metrics: a domain error becomes its
 * kind's status code with the same message (and its Retry-After as metadata); a
 * `ConnectError` (the failover path's, a peer's) passes as it is; anything else is what
 * `ConnectError.from` makes of it (UNKNOWN, or CANCELED for an abort).
 */
export function toRpcError(e: unknown): ConnectError {
  if (!isDomainError(e)) return ConnectError.from(e);
  const err = new ConnectError(e.message, isGivenUp(e) && e.why === 'deadline' ? Code.DeadlineExceeded : CODES[e.kind]);
  return isRateLimited(e) || isUnavailable(e) ? withRetryAfter(err, e.retryAfterMs) : err;
}

/**
 * A server interceptor that throws every error of the RPCs under it, raised at once or in
 * the middle of a stream, as `map` makes it.
 */
export function mapErrors(map: (e: unknown) => ConnectError): Interceptor {
  return (next) => async (req) => {
    let res;
    try {
      res = await next(req);
    } catch (e) {
      throw map(e);
    }
    if (!res.stream) return res;
    const messages = res.message;
    return {
      ...res,
      message: (async function* () {
        try {
          yield* messages;
        } catch (e) {
          throw map(e);
        }
      })(),
    };
  };
}

/**
 * The RPC edge's translation as a server interceptor: every error as {@link toRpcError}
 * says. Innermost but for the auth interceptor, so that the mode interceptor around it
 * sees RPC errors only.
 */
export const createErrorInterceptor = (): Interceptor => mapErrors(toRpcError);

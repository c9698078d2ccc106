import { Code, ConnectError } from '@connectrpc/connect';
import { attemptsOf } from '@ultra/runtime';

const LINK_DOWN = Symbol('ultra.link-down');

/**
 * Thrown at once, without dialling, while a link's breaker is open. It keeps ConnectError's
 * name: thrown by an interceptor, it must pass `ConnectError.from` (which the transport
 * applies to every error) as itself, not wrapped as UNKNOWN.
 */
export class LinkDownError extends ConnectError {
  /** A brand: ConnectError's own `Symbol.hasInstance` makes `instanceof` unusable on subclasses. */
  readonly [LINK_DOWN] = true;
  constructor(service: string, retryInMs: number) {
    super(`the ${service} is unreachable (its link breaker is open; next try in ${Math.max(0, Math.ceil(retryInMs))} ms)`, Code.Unavailable);
  }
}

export const isLinkDown = (e: unknown): e is LinkDownError => typeof e === 'object' && e !== null && LINK_DOWN in e && e[LINK_DOWN] === true;

/** What an error from a call to one of Ultra's own services says about the link to it. */
export type LinkVerdict =
  /** The service answered (an application error proves the link works). */
  | 'answered'
  /** The call never got an answer: refused, reset, the connection cut, no answer in time. */
  | 'failed'
  /** Says nothing: the caller cancelled. */
  | 'neutral';

/**
 * Judges a failed call. `Canceled` while the caller's own signal is not aborted is a cut
 * connection (HTTP/2 RST_STREAM CANCEL when the session dies), not a cancellation; a
 * signal aborted by the call's deadline (Connect links the two) is the deadline's.
 * `countDeadline`: whether a call that ran out of time counts against the link (for the
 * cache, whose calls have tight timeouts; not for the agent, whose calls wait on providers).
 */
export function judgeLinkError(e: unknown, signal: AbortSignal | undefined, countDeadline: boolean): LinkVerdict {
  if (signal?.aborted && ConnectError.from(signal.reason).code !== Code.DeadlineExceeded) return 'neutral';
  const err = ConnectError.from(e);
  if (attemptsOf(err).length > 0) return 'answered';
  switch (err.code) {
    // How the transport reports a refused, reset or dropped connection (connect-node gives
    // ECONNRESET as ABORTED, an HTTP/2 session that died as CANCELED or UNKNOWN).
    case Code.Unavailable:
    case Code.Canceled:
    case Code.Aborted:
    case Code.Unknown:
      return 'failed';
    case Code.DeadlineExceeded:
      return countDeadline ? 'failed' : 'neutral';
    default:
      return 'answered';
  }
}

/** The error a failed link gives the request path: `UNAVAILABLE` (worth a failover), never `CANCELED` or `ABORTED`. */
export function linkFailure(service: string, e: unknown): ConnectError {
  const err = ConnectError.from(e);
  if (err.code === Code.Unavailable) return err;
  return new ConnectError(`the link to the ${service} broke: ${err.rawMessage}`, Code.Unavailable, err.metadata, undefined, err);
}

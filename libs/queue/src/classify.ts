import { Code, ConnectError } from '@connectrpc/connect';
import { Outcome, type Attempt } from '@ultra/contracts/chat';
import { isGivenUp, isInvalidRequest, isNoCandidates, isRateLimited, isUnavailable } from '@ultra/core';
import { attemptsOf, outcomeName } from '@ultra/runtime';

/** Why one attempt of a job failed: what the queue records and judges. */
export interface Failure {
  /** The error class the retry decision rests on. */
  outcome: Outcome;
  /** The error's message (never prompt text: the flow's messages name providers and outcomes). */
  detail: string;
  /** The provider's Retry-After in ms, 0 when none was given. */
  retryAfterMs: number;
  /** One entry per provider the failover path tried. */
  providerAttempts: Attempt[];
  /**
   * The router tried no provider and said why: its degraded mode refuses the request now,
   * or no provider is available (breakers open, all rate-limited). Not an attempt: the
   * job waits and asks again.
   */
  heldBack: boolean;
}

const CLIENT_MISTAKES = new Set([Outcome.BAD_REQUEST, Outcome.CONTEXT_TOO_LONG]);

/** A failure before any provider was tried. */
const untried = (outcome: Outcome, detail: string, retryAfterMs: number, heldBack: boolean): Failure => ({ outcome, detail, retryAfterMs, providerAttempts: [], heldBack });

/**
 * The outcome of an RPC error that names no attempt: what the failover path throws
 * itself when it tried nobody (the caller cancelled, the deadline passed, no provider is
 * available). Never a provider's outcome: those travel as attempts.
 */
function byCode(code: Code): Outcome {
  switch (code) {
    case Code.InvalidArgument:
      return Outcome.BAD_REQUEST;
    case Code.ResourceExhausted:
      return Outcome.RATE_LIMITED;
    case Code.DeadlineExceeded:
      return Outcome.TIMEOUT;
    case Code.Canceled:
      return Outcome.CANCELLED;
    case Code.Unavailable:
      return Outcome.UNAVAILABLE;
    default:
      return Outcome.SERVER_ERROR;
  }
}

function retryAfterOf(err: ConnectError, attempts: readonly Attempt[]): number {
  const header = Number(err.metadata.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(header) && header > 0) return header;
  const given = attempts.map((a) => a.retryAfterMs).filter((ms) => ms > 0);
  return given.length > 0 ? Math.min(...given) : 0;
}

/**
 * Classifies an error from the chat flow. Its domain errors say what they are: a request
 * no provider could answer is BAD_REQUEST; a limit or Ultra's own refusal (its mode, its
 * saturation) tried no provider and holds the job back, with its Retry-After. The
 * failover path's RPC errors carry one attempt per provider tried: the caller's own
 * mistakes (INVALID_ARGUMENT) keep their outcome; otherwise the outcome is that of the
 * first provider attempt whose class is retried (another try may find that provider
 * well), else the last one's; with no attempts, the status code decides.
 *
 * @param retried whether the queue retries an error class, by config name (`server_error`)
 */
export function classifyFailure(e: unknown, retried: (outcome: string) => boolean): Failure {
  if (isInvalidRequest(e) || isNoCandidates(e)) return untried(Outcome.BAD_REQUEST, e.message, 0, false);
  if (isRateLimited(e)) return untried(Outcome.RATE_LIMITED, e.message, e.retryAfterMs, true);
  if (isUnavailable(e)) return untried(Outcome.UNAVAILABLE, e.message, e.retryAfterMs, true);
  if (isGivenUp(e)) return untried(e.why === 'deadline' ? Outcome.TIMEOUT : Outcome.CANCELLED, e.message, 0, false);
  const err = ConnectError.from(e);
  const providerAttempts = attemptsOf(err);
  const detail = err.rawMessage;
  const retryAfterMs = retryAfterOf(err, providerAttempts);
  const last = providerAttempts.at(-1)?.outcome;
  let outcome: Outcome;
  if (err.code === Code.InvalidArgument) outcome = last !== undefined && CLIENT_MISTAKES.has(last) ? last : Outcome.BAD_REQUEST;
  else if (err.code === Code.ResourceExhausted) outcome = Outcome.RATE_LIMITED;
  else if (last !== undefined) outcome = providerAttempts.find((a) => retried(outcomeName(a.outcome)))?.outcome ?? last;
  else outcome = byCode(err.code);
  const heldBack = providerAttempts.length === 0 && (err.code === Code.Unavailable || err.code === Code.ResourceExhausted);
  return { outcome, detail, retryAfterMs, providerAttempts, heldBack };
}

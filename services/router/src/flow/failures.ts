import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { AttemptSchema, Outcome, type Attempt } from '@ultra/contracts/chat';
import { RateLimitedError, UnavailableError } from '@ultra/core';
import { attemptsError, attemptsOf, outcomeName } from '@ultra/runtime';
import type { Candidate } from '../candidates.ts';

/** The attempts an agent error reports, or one made up when the agent could not say. */
export function attemptsFromError(c: Candidate, e: unknown, latencyMs: number): Attempt[] {
  const got = attemptsOf(e);
  if (got.length > 0) return got;
  const err = ConnectError.from(e);
  const outcome = err.code === Code.DeadlineExceeded ? Outcome.TIMEOUT : err.code === Code.Canceled ? Outcome.CANCELLED : Outcome.UNAVAILABLE;
  return [create(AttemptSchema, { provider: c.provider, model: c.model, outcome, latencyMs, detail: err.rawMessage })];
}

/** Whether another provider could do better after this outcome (not for the caller's own mistakes). */
export const worthFailover = (outcome: Outcome) =>
  outcome !== Outcome.BAD_REQUEST && outcome !== Outcome.CONTEXT_TOO_LONG && outcome !== Outcome.CANCELLED;

/**
 * Outcomes after which the router keeps away from the provider for the cooldown: the
 * provider failed a call. Not the caller's mistakes, and not UNAVAILABLE (the agent did not
 * try: its breaker is open or half-open, which the agent's state already tells the router).
 */
export const unwell = (outcome: Outcome) =>
  worthFailover(outcome) && outcome !== Outcome.AUTH_FAILED && outcome !== Outcome.CONTENT_REFUSED && outcome !== Outcome.UNAVAILABLE;

/** Adds `retry-after` (seconds, like HTTP's) and `retry-after-ms` to an error. */
export function withRetryAfter(err: ConnectError, retryAfterMs: number): ConnectError {
  if (retryAfterMs > 0) {
    err.metadata.set('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    err.metadata.set('retry-after-ms', String(Math.ceil(retryAfterMs)));
  }
  return err;
}

/**
 * The error for a request no provider can be tried for now (every breaker open, every
 * provider rate-limited or cooling down), with when to come back: a domain error, turned
 * into RESOURCE_EXHAUSTED or UNAVAILABLE with Retry-After at the RPC edge.
 */
export function noProvider(selection: { readonly reason: string; readonly detail: string }, retryAfterMs: number): RateLimitedError | UnavailableError {
  const message = `no provider is available: ${selection.detail}`;
  return selection.reason === 'rate-limited' ? new RateLimitedError(message, retryAfterMs) : new UnavailableError(message, retryAfterMs);
}

/**
 * The error for a request no provider could answer, naming every attempt. It stays an
 * RPC error with the attempts in its details (`attemptsError`), the form the agent's
 * errors come in, so the edge and the queue read the attempts the same way from both.
 */
export function exhausted(attempts: Attempt[], why = ''): ConnectError {
  const summary = attempts.map((a) => `${a.provider}: ${outcomeName(a.outcome)}${a.detail ? ` (${a.detail})` : ''}`).join('; ');
  const last = attempts.at(-1)?.outcome ?? Outcome.UNAVAILABLE;
  const clientError = last === Outcome.BAD_REQUEST || last === Outcome.CONTEXT_TOO_LONG;
  const allLimited = attempts.length > 0 && attempts.every((a) => a.outcome === Outcome.RATE_LIMITED);
  const outcome = clientError ? last : allLimited ? Outcome.RATE_LIMITED : Outcome.UNAVAILABLE;
  const err = attemptsError(`no provider could answer after ${attempts.length} attempt(s)${why}: ${summary}`, outcome, attempts);
  // Every provider refused for now (rate limits, or concurrency limits with no slot in time): say when to come back.
  const allRefused = attempts.length > 0 && attempts.every((a) => a.outcome === Outcome.RATE_LIMITED || (a.outcome === Outcome.UNAVAILABLE && a.retryAfterMs > 0));
  if (allLimited || allRefused) {
    const soonest = Math.min(...attempts.map((a) => a.retryAfterMs).filter((ms) => ms > 0));
    withRetryAfter(err, Number.isFinite(soonest) ? soonest : 0);
  }
  return err;
}

import { Outcome } from '@ultra/contracts/chat';

/**
 * Outcomes that mean the provider is unwell. The breaker counts them as failures and the
 * retry budget drains on them. Everything else that is not `OK` (the caller's own
 * mistakes, refusals, cancellations) says nothing about the provider's health.
 */
export const PROVIDER_FAILURE_OUTCOMES: readonly Outcome[] = Object.freeze([
  Outcome.RATE_LIMITED,
  Outcome.OVERLOADED,
  Outcome.SERVER_ERROR,
  Outcome.TIMEOUT,
  Outcome.CONNECTION,
  Outcome.STREAM_BROKEN,
  Outcome.MALFORMED_RESPONSE,
]);

/**
 * Outcomes worth trying again on the same provider. `STREAM_BROKEN` is left out: a
 * stream breaks after its first token, and a started stream is never retried.
 */
export const RETRYABLE_OUTCOMES: readonly Outcome[] = Object.freeze([
  Outcome.RATE_LIMITED,
  Outcome.OVERLOADED,
  Outcome.SERVER_ERROR,
  Outcome.TIMEOUT,
  Outcome.CONNECTION,
  Outcome.MALFORMED_RESPONSE,
]);

/** The enum name of an outcome without its prefix, e.g. `RATE_LIMITED`, for messages. */
export function outcomeName(outcome: Outcome): string {
  return Outcome[outcome] ?? `outcome ${String(outcome)}`;
}

import { Code, ConnectError } from '@connectrpc/connect';
import { AttemptSchema, Outcome, type Attempt } from '@ultra/contracts/chat';

/** `rate_limited`, `ok`, ... — the outcome's name in Ultra's output (headers, logs, metrics). */
export function outcomeName(outcome: Outcome): string {
  return (Outcome[outcome] ?? 'UNSPECIFIED').toLowerCase();
}

/** The outcome {@link outcomeName} prints as `name` (`rate_limited`); undefined when there is none. */
export function outcomeFromName(name: string): Outcome | undefined {
  return Object.values(Outcome).find((o): o is Outcome => typeof o === 'number' && outcomeName(o) === name);
}

/** The RPC status code that best says what an outcome means to a caller. */
export function outcomeCode(outcome: Outcome): Code {
  switch (outcome) {
    case Outcome.RATE_LIMITED:
      return Code.ResourceExhausted;
    case Outcome.TIMEOUT:
      return Code.DeadlineExceeded;
    case Outcome.BAD_REQUEST:
    case Outcome.CONTEXT_TOO_LONG:
      return Code.InvalidArgument;
    case Outcome.CONTENT_REFUSED:
    case Outcome.AUTH_FAILED:
      return Code.FailedPrecondition;
    case Outcome.CANCELLED:
      return Code.Canceled;
    default:
      return Code.Unavailable;
  }
}

/** An RPC error carrying the attempts made in its details, so the caller can read each outcome. */
export function attemptsError(message: string, outcome: Outcome, attempts: readonly Attempt[]): ConnectError {
  return new ConnectError(
    message,
    outcomeCode(outcome),
    undefined,
    attempts.map((value) => ({ desc: AttemptSchema, value })),
  );
}

/** The attempts an error from {@link attemptsError} carries (none for other errors). */
export function attemptsOf(err: unknown): Attempt[] {
  return err instanceof ConnectError ? err.findDetails(AttemptSchema) : [];
}

/**
 * `alpha:unavailable:12ms,gamma:ok:3ms`, the form of the `x-ultra-attempts` header; a
 * candidate skipped for lack of a capability shows it: `local:skipped-tools+images:0ms`.
 */
export function formatAttempts(attempts: readonly Attempt[]): string {
  return attempts.map((a) => `${a.provider}:${a.outcome === Outcome.SKIPPED ? `skipped-${a.detail}` : outcomeName(a.outcome)}:${a.latencyMs}ms`).join(',');
}

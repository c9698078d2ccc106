import type { Outcome } from '@ultra/contracts/chat';

/** One attempt at a provider, reported by the agent to the router (an `Attempt` on the wire). */
export interface AttemptReport {
  readonly outcome: Outcome;
  /** Wall time of the attempt, a wait in the bulkhead queue included. Milliseconds. */
  readonly latencyMs: number;
  /** What happened, for people; never a secret or prompt text. Empty for OK. */
  readonly detail: string;
  /** For RATE_LIMITED and UNAVAILABLE: how long until the provider takes calls again (0: unknown). Milliseconds. */
  readonly retryAfterMs: number;
  /** Turned away by the concurrency limit before the provider saw it; says nothing of the provider. */
  readonly shed?: boolean | undefined;
}

const BRAND = Symbol.for('ultra.provider-agent.ProviderCallError');

/**
 * A call through a provider's actor that ended without an answer, after every attempt
 * the retry policy allowed. `outcome` is the last attempt's; `attempts` lists them all.
 */
export class ProviderCallError extends Error {
  override readonly name = 'ProviderCallError';
  readonly outcome: Outcome;
  readonly attempts: readonly AttemptReport[];
  readonly [BRAND] = true;

  constructor(message: string, outcome: Outcome, attempts: readonly AttemptReport[]) {
    super(message);
    this.outcome = outcome;
    this.attempts = attempts;
  }
}

export function isProviderCallError(e: unknown): e is ProviderCallError {
  return e instanceof ProviderCallError || (typeof e === 'object' && e !== null && BRAND in e && e[BRAND] === true);
}

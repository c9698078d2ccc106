import { Outcome } from '@ultra/contracts/chat';
import type { BreakerPermit } from './breaker-types.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';

/** Test helpers for the breaker's tests (not exported from the package). */

/** Acquires a permit and fails the test if the breaker says no. */
export function permit(b: CircuitBreaker): BreakerPermit {
  const a = b.tryAcquire();
  if (!a.allowed) throw new Error(`expected the breaker to admit a call, it is ${b.state} (retry in ${a.retryAfterMs} ms)`);
  return a.permit;
}

/** One call that succeeds with the given metrics (fast by default). */
export function succeed(b: CircuitBreaker, metrics: { ttftMs?: number; tokensPerSecond?: number } = {}): void {
  b.onSuccess(permit(b), { latencyMs: 100, ...metrics });
}

/** One call that ends with `outcome` (a provider failure by default). */
export function fail(b: CircuitBreaker, outcome: Outcome = Outcome.SERVER_ERROR, retryAfterMs?: number): void {
  b.onFailure(permit(b), outcome, retryAfterMs === undefined ? {} : { retryAfterMs });
}

/** Repeats `fn` `n` times. */
export function times(n: number, fn: () => void): void {
  for (let i = 0; i < n; i++) fn();
}

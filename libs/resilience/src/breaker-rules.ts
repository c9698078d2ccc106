import type { Outcome } from '@ultra/contracts/chat';
import { openDurationMs, windowConfigOf, type BreakerOptions } from './breaker-options.ts';
import type { BreakerContext, CallMetrics } from './breaker-types.ts';
import { recordCall, windowCounts, type WindowCounts, type WindowState } from './sliding-window.ts';

/** The pure judgement behind the breaker machine's guards and actions. */

/** Why the breaker tripped. */
export type TripCause = 'failure-rate' | 'slow-call-rate' | 'consecutive-failures';

/** True when the provider answered, but too slowly to first token or too slowly after it. */
export function isSlow(o: BreakerOptions, m: CallMetrics): boolean {
  return (
    (o.slowTtftMs > 0 && m.ttftMs !== undefined && m.ttftMs > o.slowTtftMs) ||
    (m.tokensPerSecond !== undefined && m.tokensPerSecond < o.slowTokensPerSecond)
  );
}

/** True when `outcome` says the provider is unwell (see `failureOutcomes`). */
export function isProviderFailure(o: BreakerOptions, outcome: Outcome): boolean {
  return o.failureOutcomes.includes(outcome);
}

/** The counters after one more recorded call. */
export interface Recorded {
  readonly window: WindowState;
  readonly consecutiveFailures: number;
}

/** Adds a success (`failure: false`) or a provider failure to the window and the run count. */
export function recordResult(ctx: BreakerContext, at: number, failure: boolean, slow: boolean): Recorded {
  return {
    window: recordCall(ctx.window, windowConfigOf(ctx.options), { at, failure, slow }),
    consecutiveFailures: failure ? ctx.consecutiveFailures + 1 : 0,
  };
}

/** Adds a call still waiting past the slow threshold: slow in the window, one more in the failure run. */
export function recordSlowWait(ctx: BreakerContext, at: number): Recorded {
  return {
    window: recordCall(ctx.window, windowConfigOf(ctx.options), { at, failure: false, slow: true }),
    consecutiveFailures: ctx.consecutiveFailures + 1,
  };
}

/** Judges counters: the cause if the breaker should trip, else `undefined`. Ratios trip on reaching the threshold. */
export function tripCause(o: BreakerOptions, r: Recorded, at: number): TripCause | undefined {
  if (o.consecutiveFailures > 0 && r.consecutiveFailures >= o.consecutiveFailures) return 'consecutive-failures';
  const c: WindowCounts = windowCounts(r.window, windowConfigOf(o), at);
  if (c.calls < o.minimumCalls) return undefined;
  if (c.failures / c.calls >= o.failureRateThreshold) return 'failure-rate';
  if (c.slow / c.calls >= o.slowCallRateThreshold) return 'slow-call-rate';
  return undefined;
}

/**
 * When a trip that starts at `at` ends: the `trip`-th open duration, stretched to the
 * provider's Retry-After if that is longer. Epoch ms.
 */
export function openUntilFor(o: BreakerOptions, trip: number, at: number, retryAfterMs: number | undefined): number {
  return at + Math.max(openDurationMs(o, trip), retryAfterMs ?? 0);
}

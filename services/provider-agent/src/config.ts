import type { Outcome } from '@ultra/contracts/chat';
import { outcomeFromName } from '@ultra/runtime';
import { streamTimeoutsFor, type BreakerConfig, type RetryConfig, type UltraConfig } from '@ultra/config';
import type { AdaptiveLimitOptions, BreakerOptions, BulkheadOptions, RetryBudgetOptions, RetryOptions, SlowWaitOptions } from '@ultra/resilience';

/** Everything the agent needs to build one provider's resilience, in `@ultra/resilience`'s terms. */
export interface ProviderResilience {
  readonly breaker: Partial<BreakerOptions>;
  /** The active health probe may take a half-open probe slot, and its success counts toward closing. */
  readonly halfOpenHealthProbe: boolean;
  readonly retry: Partial<RetryOptions>;
  readonly budget: Partial<RetryBudgetOptions>;
  readonly bulkhead: Partial<BulkheadOptions>;
  /** The adaptive concurrency limit; absent: `bulkhead.limit` is fixed. */
  readonly adaptiveLimit?: Partial<AdaptiveLimitOptions> | undefined;
  /** Each attempt of a non-streamed call gives up after this (TIMEOUT); 0: no limit but the caller's. Milliseconds. */
  readonly attemptTimeoutMs: number;
  /** A stream with no first token after this fails (TIMEOUT, retried); 0: no limit. Milliseconds. */
  readonly firstTokenTimeoutMs: number;
  /** A stream silent this long between tokens fails (TIMEOUT); 0: no limit. Milliseconds. */
  readonly idleTimeoutMs: number;
  /** How the slow-wait threshold follows the provider's first-token times (`breaker.slow_wait_*`); default `defaultSlowWaitOptions`. */
  readonly slowWait?: Partial<SlowWaitOptions> | undefined;
}

/** `['RATE_LIMITED', ...]` → the Outcome values. Config has already checked the names. */
export function outcomesOf(names: readonly string[]): Outcome[] {
  return names.map((name) => {
    const value = outcomeFromName(name.toLowerCase());
    if (value === undefined) throw new RangeError(`unknown outcome name ${JSON.stringify(name)}`);
    return value;
  });
}

function breakerOptions(b: BreakerConfig): Partial<BreakerOptions> {
  return {
    windowType: b.windowType,
    windowSize: b.windowSize,
    windowDurationMs: b.windowDurationMs,
    windowBuckets: b.windowBuckets,
    minimumCalls: b.minimumCalls,
    failureRateThreshold: b.failureRateThreshold,
    slowCallRateThreshold: b.slowCallRateThreshold,
    slowTtftMs: b.slowTtftMs,
    slowTokensPerSecond: b.slowTokensPerSecond,
    consecutiveFailures: b.consecutiveFailures,
    openBaseMs: b.openBaseMs,
    openMultiplier: b.openMultiplier,
    openMaxMs: b.openMaxMs,
    halfOpenProbes: b.halfOpenProbes,
    halfOpenSuccesses: b.halfOpenSuccesses,
    failureOutcomes: outcomesOf(b.failureOutcomes),
  };
}

function retryOptions(r: RetryConfig): Partial<RetryOptions> {
  return {
    maxAttempts: r.maxAttempts,
    baseMs: r.baseMs,
    capMs: r.capMs,
    jitter: r.jitter,
    retryAfterMaxMs: r.retryAfterMaxMs,
    retryableOutcomes: outcomesOf(r.retryableOutcomes),
  };
}

/** The resilience of provider `name`: the top-level sections with that provider's `overrides` applied. */
export function resilienceFor(config: UltraConfig, name: string): ProviderResilience {
  const breaker = config.breaker.overrides[name] ?? config.breaker;
  const retry = config.retry.overrides[name] ?? config.retry;
  const bulkhead = config.bulkhead.overrides[name] ?? config.bulkhead;
  return {
    breaker: breakerOptions(breaker),
    halfOpenHealthProbe: breaker.halfOpenHealthProbe,
    slowWait: { factor: breaker.slowWaitFactor, floorMs: breaker.slowWaitFloorMs, minSamples: breaker.slowWaitSamples },
    retry: retryOptions(retry),
    budget: { maxTokens: retry.budget.maxTokens, tokenRatio: retry.budget.tokenRatio },
    bulkhead: { limit: bulkhead.limit, queue: bulkhead.queue, maxQueueWaitMs: bulkhead.maxQueueWaitMs, reserveShare: bulkhead.reserveShare },
    ...(bulkhead.adaptive
      ? { adaptiveLimit: { initial: bulkhead.limit, min: bulkhead.minLimit, max: bulkhead.maxLimit, backoff: bulkhead.backoff, latencyTolerance: bulkhead.latencyTolerance } }
      : {}),
    attemptTimeoutMs: retry.attemptTimeoutMs,
    ...streamTimeoutsFor(config, name),
  };
}

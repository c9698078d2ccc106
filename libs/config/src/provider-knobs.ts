/** The per-provider resilience knobs in the form the services use, every default applied: hedging, breaker, retry, bulkhead. */
import type { BackoffOptions, BreakerOptions, RetryBudgetOptions, RetryOptions } from '@ultra/resilience';

/**
 * Hedging before the first token (docs/failover.md#hedging): a second call to the next
 * candidate while the first has not produced a token (for a whole answer: the answer).
 */
export interface HedgingConfig {
  /** The fixed hedge: after `delayMs` on the first candidate, always (no budget). Default false. */
  readonly enabled: boolean;
  /** The fixed hedge's delay. Milliseconds; default 2000. */
  readonly delayMs: number;
  /** The adaptive hedge: after `factor` × the provider's own recent p95 time to a first token, within the budget. Default true. */
  readonly adaptive: boolean;
  /** Times the p95. Default 1.5. */
  readonly factor: number;
  /** The adaptive delay is never shorter. Milliseconds; default 500. */
  readonly minDelayMs: number;
  /** Nor longer. Milliseconds; default 10 000. */
  readonly maxDelayMs: number;
  /** First-token times of a provider needed before it is hedged adaptively (or hedged to at the last chance). Default 20. */
  readonly minSamples: number;
  /** The last-chance hedge, for whole answers: once the next candidate would only just answer within the deadline (the time left less `factor` × its p95), outside the budget. Default true. */
  readonly lastChance: boolean;
  /** Adaptive hedges allowed: a share of the calls over a window (a failover budget of their own). Defaults 0.05, 1, 10 000 ms. */
  readonly budget: { readonly ratio: number; readonly minPerWindow: number; readonly windowMs: number };
}

/**
 * Circuit breaker knobs: `@ultra/resilience`'s options (durations in ms), every default
 * applied, with outcomes by name; see docs/circuit-breaker-tuning.md for what each does.
 */
export type BreakerConfig = Omit<BreakerOptions, 'failureOutcomes'> & {
  /** The slow-wait threshold (a call still waiting for its first token is counted slow) is this many times the provider's recent first-token p95. Default 5. */
  readonly slowWaitFactor: number;
  /** The slow-wait threshold is never below this. Milliseconds; default 3000. */
  readonly slowWaitFloorMs: number;
  /** Recent first-token times needed before the threshold follows them; until then it is `slowTtftMs`. Default 20. */
  readonly slowWaitSamples: number;
  /** Outcome enum names without prefix, upper case (e.g. `RATE_LIMITED`). */
  readonly failureOutcomes: readonly string[];
  /** The active health probe may close a half-open breaker (default true). */
  readonly halfOpenHealthProbe: boolean;
};

/** Same-provider retry knobs of the provider-agent: `@ultra/resilience`'s backoff and retry options (durations in ms), outcomes by name. */
export type RetryConfig = BackoffOptions &
  Pick<RetryOptions, 'maxAttempts' | 'retryAfterMaxMs'> & {
    /** Outcome enum names without prefix, upper case. */
    readonly retryableOutcomes: readonly string[];
    /** Bounds each attempt of a non-streamed call (0: only the caller's deadline). */
    readonly attemptTimeoutMs: number;
    readonly budget: RetryBudgetOptions;
  };

/** Concurrency limit and bounded wait queue per provider (durations in ms; see `@ultra/resilience`'s bulkhead and adaptive limit). */
export interface BulkheadConfig {
  /** The limit learns from the provider (AIMD) between minLimit and maxLimit; false: `limit` is fixed. */
  readonly adaptive: boolean;
  /** The fixed limit, or where the adaptive one starts. */
  readonly limit: number;
  readonly minLimit: number;
  readonly maxLimit: number;
  readonly backoff: number;
  readonly latencyTolerance: number;
  readonly queue: number;
  readonly maxQueueWaitMs: number;
  readonly reserveShare: number;
}

/** A section and, per provider name, the whole section for that provider (its override merged over the top level). */
export type WithOverrides<T> = T & { readonly overrides: Readonly<Record<string, T>> };

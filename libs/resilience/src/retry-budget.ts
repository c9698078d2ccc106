/**
 * A retry budget, after gRPC's retry throttling (gRFC A6): a bucket of tokens that each
 * provider failure drains by 1 and each success refills by `tokenRatio`; retries (and
 * failovers) are allowed only while more than half the bucket is left. Under a full
 * outage the bucket empties after a few failures and extra attempts stop, so retrying
 * never multiplies the load on a provider that is already down.
 */

/** Pass a `Partial<>`; missing fields take {@link defaultRetryBudgetOptions}. */
export interface RetryBudgetOptions {
  /** Size of the bucket, which starts full. Tokens, in (0, 1000]. Default 10. */
  readonly maxTokens: number;
  /** Tokens a success puts back (kept to 3 decimals, like gRPC). Tokens, > 0. Default 0.1. */
  readonly tokenRatio: number;
}

export const defaultRetryBudgetOptions: RetryBudgetOptions = Object.freeze({ maxTokens: 10, tokenRatio: 0.1 });

export interface RetryBudget {
  /** A call succeeded: put `tokenRatio` back, up to `maxTokens`. */
  onSuccess(): void;
  /** A call failed because the provider is unwell: take 1 out, down to 0. */
  onFailure(): void;
  /** True while tokens > maxTokens / 2. Ask before every retry or failover; asking takes nothing. */
  canRetry(): boolean;
  /** Tokens left. */
  readonly tokens: number;
}

/** A retry budget; share one per provider between everything that retries against it. */
export function createRetryBudget(options: Partial<RetryBudgetOptions> = {}): RetryBudget {
  const o: RetryBudgetOptions = { ...defaultRetryBudgetOptions, ...options };
  if (!(o.maxTokens > 0 && o.maxTokens <= 1000) || !(o.tokenRatio > 0)) {
    throw new RangeError(`retry budget needs maxTokens in (0, 1000] and tokenRatio > 0, got maxTokens ${o.maxTokens}, tokenRatio ${o.tokenRatio}`);
  }
  // Kept in thousandths so that ten successes of 0.1 make exactly one token.
  const max = Math.round(o.maxTokens * 1000);
  const ratio = Math.round(o.tokenRatio * 1000);
  let milli = max;
  return {
    onSuccess() {
      milli = Math.min(max, milli + ratio);
    },
    onFailure() {
      milli = Math.max(0, milli - 1000);
    },
    canRetry() {
      return milli > max / 2;
    },
    get tokens() {
      return milli / 1000;
    },
  };
}

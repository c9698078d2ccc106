import { z } from 'zod';
import { count, duration, longerThanZero, outcomes, ratio } from './schema-fields.ts';

/** Circuit breaker knobs (docs/circuit-breaker-tuning.md); unset ones take the defaults in resolve.ts. */
export const breakerKnobs = z
  .strictObject({
    window_type: z.enum(['count', 'time']),
    window_size: count(1),
    window_duration: longerThanZero,
    window_buckets: count(1),
    minimum_calls: count(1),
    failure_rate_threshold: ratio,
    slow_call_rate_threshold: ratio,
    slow_ttft: duration,
    slow_wait_factor: z.number().min(1),
    slow_wait_floor: duration,
    slow_wait_samples: count(1),
    slow_tokens_per_second: z.number().min(0),
    consecutive_failures: count(0),
    open_base: longerThanZero,
    open_multiplier: z.number().min(1),
    open_max: longerThanZero,
    half_open_probes: count(1),
    half_open_successes: count(1),
    failure_outcomes: outcomes,
    half_open_health_probe: z.boolean(),
  })
  .partial();

/** Same-provider retry knobs of the provider-agent. */
export const retryKnobs = z
  .strictObject({
    max_attempts: count(1),
    base: longerThanZero,
    cap: longerThanZero,
    jitter: z.enum(['full', 'equal', 'decorrelated', 'none']),
    retry_after_max: duration,
    retryable_outcomes: outcomes,
    attempt_timeout: duration,
    budget: z.strictObject({ max_tokens: z.number().gt(0).max(1000), token_ratio: z.number().gt(0) }).partial(),
  })
  .partial();

/** Concurrency limit (adaptive by default) and wait queue per provider (docs/circuit-breaker-tuning.md). */
export const bulkheadKnobs = z
  .strictObject({
    adaptive: z.boolean(),
    limit: count(1),
    min_limit: count(1),
    max_limit: count(1),
    backoff: z.number().gt(0).lt(1),
    latency_tolerance: z.union([z.literal(0), z.number().min(1)]),
    queue: count(0),
    max_queue_wait: duration,
    reserve_share: z.number().min(0).max(0.25),
  })
  .partial();

export type BreakerKnobs = z.output<typeof breakerKnobs>;
export type RetryKnobs = z.output<typeof retryKnobs>;
export type BulkheadKnobs = z.output<typeof bulkheadKnobs>;

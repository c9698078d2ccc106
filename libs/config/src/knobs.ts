import type { BreakerKnobs, BulkheadKnobs, ConfigFile, RetryKnobs } from './schema.ts';
import type { BreakerConfig, BulkheadConfig, RetryConfig, WithOverrides } from './types.ts';
import type { CheckInput } from './check.ts';
import { formatDuration } from '@ultra/core';
import { Outcome } from '@ultra/contracts/chat';
import { defaultAdaptiveLimitOptions, defaultBreakerOptions as b, defaultBulkheadOptions, defaultRetryBudgetOptions, defaultRetryOptions as r, defaultSlowWaitOptions as w } from '@ultra/resilience/defaults';

/** `latency_p99_above` → `latencyP99AboveMs` (durations get `Ms`), others plain camelCase. */
export function camel(rules: Record<string, number | boolean | undefined> | undefined): Record<string, number | boolean> | undefined {
  if (!rules) return undefined;
  const out: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(rules)) {
    if (v === undefined) continue;
    const key = k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    out[k === 'latency_p99_above' ? 'latencyP99AboveMs' : key] = v;
  }
  return out;
}

/** Outcome enum names in config's form (`RATE_LIMITED`). */
const names = (outcomes: readonly Outcome[]): string[] => outcomes.map((o) => Outcome[o]);

/** The provider-agent's defaults: `@ultra/resilience`'s own, in config's form. */
const BREAKER_DEFAULTS: BreakerConfig = {
  windowType: b.windowType, windowSize: b.windowSize, windowDurationMs: b.windowDurationMs, windowBuckets: b.windowBuckets, minimumCalls: b.minimumCalls,
  failureRateThreshold: b.failureRateThreshold, slowCallRateThreshold: b.slowCallRateThreshold, slowTtftMs: b.slowTtftMs, slowTokensPerSecond: b.slowTokensPerSecond,
  consecutiveFailures: b.consecutiveFailures, openBaseMs: b.openBaseMs, openMultiplier: b.openMultiplier, openMaxMs: b.openMaxMs,
  halfOpenProbes: b.halfOpenProbes, halfOpenSuccesses: b.halfOpenSuccesses, failureOutcomes: names(b.failureOutcomes),
  halfOpenHealthProbe: true,
  // Not the breaker's options: the slow-wait threshold's (libs/resilience/src/slow-wait.ts), which the agent runs beside its breaker.
  slowWaitFactor: w.factor, slowWaitFloorMs: w.floorMs, slowWaitSamples: w.minSamples,
};
const RETRY_DEFAULTS: RetryConfig = {
  maxAttempts: r.maxAttempts, baseMs: r.baseMs, capMs: r.capMs, jitter: r.jitter, retryAfterMaxMs: r.retryAfterMaxMs,
  // The agent's own knob (an attempt's bound), not the retry policy's.
  attemptTimeoutMs: 20_000,
  retryableOutcomes: names(r.retryableOutcomes),
  budget: { maxTokens: defaultRetryBudgetOptions.maxTokens, tokenRatio: defaultRetryBudgetOptions.tokenRatio },
};
const a = defaultAdaptiveLimitOptions;
const BULKHEAD_DEFAULTS: BulkheadConfig = {
  adaptive: true, limit: defaultBulkheadOptions.limit, minLimit: a.min, maxLimit: a.max, backoff: a.backoff, latencyTolerance: a.latencyTolerance,
  queue: defaultBulkheadOptions.queue, maxQueueWaitMs: defaultBulkheadOptions.maxQueueWaitMs, reserveShare: defaultBulkheadOptions.reserveShare,
};

/** Outcome names in config's form, upper case (`rate_limited` → `RATE_LIMITED`); undefined when unset. */
const upper = (outcomes: readonly string[] | undefined): string[] | undefined => outcomes?.map((o) => o.toUpperCase());

/** The breaker keys `f` sets over `base` (durations already in ms). */
function breakerOver(base: BreakerConfig, f: BreakerKnobs): BreakerConfig {
  return {
    windowType: f.window_type ?? base.windowType,
    windowSize: f.window_size ?? base.windowSize,
    windowDurationMs: f.window_duration ?? base.windowDurationMs,
    windowBuckets: f.window_buckets ?? base.windowBuckets,
    minimumCalls: f.minimum_calls ?? base.minimumCalls,
    failureRateThreshold: f.failure_rate_threshold ?? base.failureRateThreshold,
    slowCallRateThreshold: f.slow_call_rate_threshold ?? base.slowCallRateThreshold,
    slowTtftMs: f.slow_ttft ?? base.slowTtftMs,
    slowWaitFactor: f.slow_wait_factor ?? base.slowWaitFactor,
    slowWaitFloorMs: f.slow_wait_floor ?? base.slowWaitFloorMs,
    slowWaitSamples: f.slow_wait_samples ?? base.slowWaitSamples,
    slowTokensPerSecond: f.slow_tokens_per_second ?? base.slowTokensPerSecond,
    consecutiveFailures: f.consecutive_failures ?? base.consecutiveFailures,
    openBaseMs: f.open_base ?? base.openBaseMs,
    openMultiplier: f.open_multiplier ?? base.openMultiplier,
    openMaxMs: f.open_max ?? base.openMaxMs,
    halfOpenProbes: f.half_open_probes ?? base.halfOpenProbes,
    halfOpenSuccesses: f.half_open_successes ?? base.halfOpenSuccesses,
    failureOutcomes: upper(f.failure_outcomes) ?? base.failureOutcomes,
    halfOpenHealthProbe: f.half_open_health_probe ?? base.halfOpenHealthProbe,
  };
}

/** The retry keys `f` sets over `base`; `budget` merged key by key. */
function retryOver(base: RetryConfig, f: RetryKnobs): RetryConfig {
  return {
    maxAttempts: f.max_attempts ?? base.maxAttempts,
    baseMs: f.base ?? base.baseMs,
    capMs: f.cap ?? base.capMs,
    jitter: f.jitter ?? base.jitter,
    retryAfterMaxMs: f.retry_after_max ?? base.retryAfterMaxMs,
    retryableOutcomes: upper(f.retryable_outcomes) ?? base.retryableOutcomes,
    attemptTimeoutMs: f.attempt_timeout ?? base.attemptTimeoutMs,
    budget: { maxTokens: f.budget?.max_tokens ?? base.budget.maxTokens, tokenRatio: f.budget?.token_ratio ?? base.budget.tokenRatio },
  };
}

/** The bulkhead keys `f` sets over `base`. */
function bulkheadOver(base: BulkheadConfig, f: BulkheadKnobs): BulkheadConfig {
  return {
    adaptive: f.adaptive ?? base.adaptive,
    limit: f.limit ?? base.limit,
    minLimit: f.min_limit ?? base.minLimit,
    maxLimit: f.max_limit ?? base.maxLimit,
    backoff: f.backoff ?? base.backoff,
    latencyTolerance: f.latency_tolerance ?? base.latencyTolerance,
    queue: f.queue ?? base.queue,
    maxQueueWaitMs: f.max_queue_wait ?? base.maxQueueWaitMs,
    reserveShare: f.reserve_share ?? base.reserveShare,
  };
}

/** A section's keys over `defaults`, then each provider's `overrides` over that. */
function section<T, K>(over: (base: T, file: K) => T, defaults: T, file: K & { readonly overrides: Readonly<Record<string, K>> }): WithOverrides<T> {
  const top = over(defaults, file);
  const overrides = Object.fromEntries(Object.entries(file.overrides).map(([name, o]) => [name, over(top, o)]));
  return { ...top, overrides };
}

export const breakerSection = (file: ConfigFile['breaker']): WithOverrides<BreakerConfig> => section(breakerOver, BREAKER_DEFAULTS, file);
export const retrySection = (file: ConfigFile['retry']): WithOverrides<RetryConfig> => section(retryOver, RETRY_DEFAULTS, file);
export const bulkheadSection = (file: ConfigFile['bulkhead']): WithOverrides<BulkheadConfig> => section(bulkheadOver, BULKHEAD_DEFAULTS, file);

/** What the breaker, retry and bulkhead sections cannot say alone: rules between keys, override names. */
export function checkResilience(file: CheckInput, providers: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const key of ['breaker', 'retry', 'bulkhead'] as const) {
    for (const name of Object.keys(file[key]?.overrides ?? {})) {
      if (!providers.has(name)) problems.push(`${key}.overrides.${name}: no provider "${name}" in any tier`);
    }
  }
  const each = <T extends object>(key: string, s: WithOverrides<T>): [string, T][] => [
    [key, s],
    ...Object.entries(s.overrides).map(([name, o]): [string, T] => [`${key}.overrides.${name}`, o]),
  ];
  if (file.breaker) {
    for (const [path, b] of each('breaker', breakerSection(file.breaker))) {
      if (b.windowType === 'count' && b.minimumCalls > b.windowSize) {
        problems.push(`${path}.minimum_calls: ${b.minimumCalls} is more than window_size (${b.windowSize}), so the window never holds enough calls`);
      }
      if (b.halfOpenSuccesses > b.halfOpenProbes) {
        problems.push(`${path}.half_open_successes: ${b.halfOpenSuccesses} is more than half_open_probes (${b.halfOpenProbes}), so half-open could never close`);
      }
      if (b.openMaxMs < b.openBaseMs) {
        problems.push(`${path}.open_max: ${formatDuration(b.openMaxMs)} is shorter than open_base (${formatDuration(b.openBaseMs)})`);
      }
    }
  }
  if (file.retry) {
    for (const [path, r] of each('retry', retrySection(file.retry))) {
      if (r.capMs < r.baseMs) problems.push(`${path}.cap: ${formatDuration(r.capMs)} is shorter than base (${formatDuration(r.baseMs)})`);
    }
  }
  if (file.bulkhead) {
    for (const [path, b] of each('bulkhead', bulkheadSection(file.bulkhead))) {
      if (b.maxLimit < b.minLimit) problems.push(`${path}.max_limit: ${b.maxLimit} is less than min_limit (${b.minLimit})`);
      else if (b.adaptive && (b.limit < b.minLimit || b.limit > b.maxLimit)) {
        problems.push(`${path}.limit: ${b.limit} is outside [min_limit, max_limit] = [${b.minLimit}, ${b.maxLimit}], where the adaptive limit starts`);
      }
    }
  }
  return problems;
}

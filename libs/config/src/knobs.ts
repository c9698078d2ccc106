import { QUEUE_NOT_RETRIED, QUEUE_OUTCOMES } from './schema.ts';
import type { BreakerConfig, BulkheadConfig, RetryConfig, WithOverrides } from './types.ts';
import { isStrings, type CheckInput } from './check.ts';
import { formatDuration, isRecord } from '@ultra/core';
import { Outcome } from '@ultra/contracts/chat';
import { defaultAdaptiveLimitOptions, defaultBreakerOptions as b, defaultBulkheadOptions, defaultRetryBudgetOptions, defaultRetryOptions as r } from '@ultra/resilience/defaults';

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
export const BREAKER_DEFAULTS: BreakerConfig = {
  windowType: b.windowType, windowSize: b.windowSize, windowDurationMs: b.windowDurationMs, windowBuckets: b.windowBuckets, minimumCalls: b.minimumCalls,
  failureRateThreshold: b.failureRateThreshold, slowCallRateThreshold: b.slowCallRateThreshold, slowTtftMs: b.slowTtftMs, slowTokensPerSecond: b.slowTokensPerSecond,
  consecutiveFailures: b.consecutiveFailures, openBaseMs: b.openBaseMs, openMultiplier: b.openMultiplier, openMaxMs: b.openMaxMs,
  halfOpenProbes: b.halfOpenProbes, halfOpenSuccesses: b.halfOpenSuccesses, failureOutcomes: names(b.failureOutcomes),
  halfOpenHealthProbe: true,
  // The agent's slow-wait threshold (services/provider-agent/src/slow-wait.ts), not the breaker's.
  slowWaitFactor: 5, slowWaitFloorMs: 3_000, slowWaitSamples: 20,
};
export const RETRY_DEFAULTS: RetryConfig = {
  maxAttempts: r.maxAttempts, baseMs: r.baseMs, capMs: r.capMs, jitter: r.jitter, retryAfterMaxMs: r.retryAfterMaxMs,
  // The agent's own knob (an attempt's bound), not the retry policy's.
  attemptTimeoutMs: 20_000,
  retryableOutcomes: names(r.retryableOutcomes),
  budget: { maxTokens: defaultRetryBudgetOptions.maxTokens, tokenRatio: defaultRetryBudgetOptions.tokenRatio },
};
const a = defaultAdaptiveLimitOptions;
export const BULKHEAD_DEFAULTS: BulkheadConfig = {
  adaptive: true, limit: defaultBulkheadOptions.limit, minLimit: a.min, maxLimit: a.max, backoff: a.backoff, latencyTolerance: a.latencyTolerance,
  queue: defaultBulkheadOptions.queue, maxQueueWaitMs: defaultBulkheadOptions.maxQueueWaitMs, reserveShare: defaultBulkheadOptions.reserveShare,
};

/** Keys whose camelCase name is not the plain one (durations get `Ms`). */
const RENAMED: Record<string, string> = {
  window_duration: 'windowDurationMs', slow_ttft: 'slowTtftMs', slow_wait_floor: 'slowWaitFloorMs', open_base: 'openBaseMs', open_max: 'openMaxMs', base: 'baseMs',
  cap: 'capMs', retry_after_max: 'retryAfterMaxMs', attempt_timeout: 'attemptTimeoutMs', max_queue_wait: 'maxQueueWaitMs',
};
type Knobs = Readonly<Record<string, unknown>>;

/** The keys a file section sets, in the resolved names: `{ open_base: 5000 }` → `{ openBaseMs: 5000 }`, outcomes upper case. */
function knobs(file: Knobs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(file)) {
    if (v === undefined || k === 'overrides') continue;
    const key = RENAMED[k] ?? k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    out[key] = k.endsWith('_outcomes') && isStrings(v) ? v.map((o) => o.toUpperCase()) : isRecord(v) ? knobs(v) : v;
  }
  return out;
}

/** `file`'s keys over `base`, one level of nesting (retry.budget) merged too. */
function over<T extends object>(base: T, file: Knobs): T {
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(base));
  for (const [k, v] of Object.entries(knobs(file))) {
    const was = out[k];
    out[k] = isRecord(v) && isRecord(was) ? { ...was, ...v } : v;
  }
  return out as T;
}

export function section<T extends object>(defaults: T, file: Knobs & { overrides: Readonly<Record<string, Knobs>> }): WithOverrides<T> {
  const top = over(defaults, file);
  const overrides = Object.fromEntries(Object.entries(file.overrides).map(([name, o]) => [name, over(top, o)]));
  return { ...top, overrides };
}

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
    for (const [path, b] of each('breaker', section(BREAKER_DEFAULTS, file.breaker))) {
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
    for (const [path, r] of each('retry', section(RETRY_DEFAULTS, file.retry))) {
      if (r.capMs < r.baseMs) problems.push(`${path}.cap: ${formatDuration(r.capMs)} is shorter than base (${formatDuration(r.baseMs)})`);
    }
  }
  if (file.bulkhead) {
    for (const [path, b] of each('bulkhead', section(BULKHEAD_DEFAULTS, file.bulkhead))) {
      if (b.maxLimit < b.minLimit) problems.push(`${path}.max_limit: ${b.maxLimit} is less than min_limit (${b.minLimit})`);
      else if (b.adaptive && (b.limit < b.minLimit || b.limit > b.maxLimit)) {
        problems.push(`${path}.limit: ${b.limit} is outside [min_limit, max_limit] = [${b.minLimit}, ${b.maxLimit}], where the adaptive limit starts`);
      }
    }
  }
  return problems;
}

import { QUEUE_NOT_RETRIED, QUEUE_OUTCOMES } from './schema.ts';
import type { BreakerConfig, BulkheadConfig, RetryConfig, WithOverrides } from './types.ts';
import { isRecord, type CheckInput } from './check.ts';
import { formatDuration } from '@ultra/core';

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

/** The provider-agent's defaults, equal to `@ultra/resilience`'s (a test in services/provider-agent checks). */
export const BREAKER_DEFAULTS: BreakerConfig = {
  windowType: 'count', windowSize: 20, windowDurationMs: 60_000, windowBuckets: 10, minimumCalls: 10,
  failureRateThreshold: 0.5, slowCallRateThreshold: 0.8, slowTtftMs: 10_000, slowTokensPerSecond: 5,
  consecutiveFailures: 5, openBaseMs: 5_000, openMultiplier: 2, openMaxMs: 120_000, halfOpenProbes: 3, halfOpenSuccesses: 2,
  failureOutcomes: ['RATE_LIMITED', 'OVERLOADED', 'SERVER_ERROR', 'TIMEOUT', 'CONNECTION', 'STREAM_BROKEN', 'MALFORMED_RESPONSE'],
  halfOpenHealthProbe: true,
};
export const RETRY_DEFAULTS: RetryConfig = {
  maxAttempts: 3, baseMs: 200, capMs: 5_000, jitter: 'full', retryAfterMaxMs: 10_000, attemptTimeoutMs: 20_000,
  retryableOutcomes: ['RATE_LIMITED', 'OVERLOADED', 'SERVER_ERROR', 'TIMEOUT', 'CONNECTION', 'MALFORMED_RESPONSE'],
  budget: { maxTokens: 10, tokenRatio: 0.1 },
};
export const BULKHEAD_DEFAULTS: BulkheadConfig = { limit: 32, queue: 64, maxQueueWaitMs: 0 };

/** Keys whose camelCase name is not the plain one (durations get `Ms`). */
const RENAMED: Record<string, string> = {
  window_duration: 'windowDurationMs', slow_ttft: 'slowTtftMs', open_base: 'openBaseMs', open_max: 'openMaxMs', base: 'baseMs',
  cap: 'capMs', retry_after_max: 'retryAfterMaxMs', attempt_timeout: 'attemptTimeoutMs', max_queue_wait: 'maxQueueWaitMs',
};
type Knobs = Readonly<Record<string, unknown>>;

/** The keys a file section sets, in the resolved names: `{ open_base: 5000 }` → `{ openBaseMs: 5000 }`, outcomes upper case. */
function knobs(file: Knobs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(file)) {
    if (v === undefined || k === 'overrides') continue;
    const key = RENAMED[k] ?? k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    out[key] = k.endsWith('_outcomes') ? (v as string[]).map((o) => o.toUpperCase()) : isRecord(v) ? knobs(v) : v;
  }
  return out;
}

/** `file`'s keys over `base`, one level of nesting (retry.budget) merged too. */
function over<T extends object>(base: T, file: Knobs): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(knobs(file))) out[k] = isRecord(v) ? { ...(out[k] as object), ...v } : v;
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
  return problems;
}

import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './index.ts';
import type { BreakerKnobs, BulkheadKnobs, RetryKnobs } from './schema.ts';

const TIERS = 'providers:\n  primary: [openai, anthropic]\n';

// A value other than the default for every key the schema knows: the record types make the
// typecheck fail when a key is added to the schema and left out here.
const BREAKER: Record<keyof BreakerKnobs, string> = {
  window_type: 'time', window_size: '30', window_duration: '90s', window_buckets: '6', minimum_calls: '12',
  failure_rate_threshold: '0.4', slow_call_rate_threshold: '0.7', slow_ttft: '8s', slow_wait_factor: '4',
  slow_wait_floor: '2s', slow_wait_samples: '30', slow_tokens_per_second: '3', consecutive_failures: '7',
  open_base: '4s', open_multiplier: '3', open_max: '60s', half_open_probes: '4', half_open_successes: '3',
  failure_outcomes: '[timeout]', half_open_health_probe: 'false',
};
const RETRY: Record<keyof RetryKnobs, string> = {
  max_attempts: '4', base: '300ms', cap: '6s', jitter: 'equal', retry_after_max: '7s',
  retryable_outcomes: '[timeout]', attempt_timeout: '15s', budget: '{ max_tokens: 12, token_ratio: 0.2 }',
};
const BULKHEAD: Record<keyof BulkheadKnobs, string> = {
  adaptive: 'false', limit: '40', min_limit: '2', max_limit: '80', backoff: '0.8', latency_tolerance: '3',
  queue: '100', max_queue_wait: '1s', reserve_share: '0.1',
};

const yamlOf = (section: string, keys: Record<string, string>, overrides = '{}') =>
  `${section}: { ${Object.entries(keys).map(([k, v]) => `${k}: ${v}`).join(', ')}, overrides: ${overrides} }\n`;

/** The fields of `section` whose value differs from the same field of `base` (`overrides` left out). */
function changed(section: object, base: object): string[] {
  const was = new Map(Object.entries(base));
  return Object.entries(section)
    .filter(([k, v]) => k !== 'overrides' && !isDeepStrictEqual(v, was.get(k)))
    .map(([k]) => k);
}

describe('the breaker, retry and bulkhead sections', () => {
  const defaults = parseConfig(TIERS, 'defaults.yaml', {});

  it('take every key the file sets, in the resolved names', () => {
    const config = parseConfig(TIERS + yamlOf('breaker', BREAKER) + yamlOf('retry', RETRY) + yamlOf('bulkhead', BULKHEAD), 'all.yaml', {});
    for (const key of ['breaker', 'retry', 'bulkhead'] as const) {
      const fields = Object.keys(defaults[key]).filter((k) => k !== 'overrides');
      expect(changed(config[key], defaults[key]).sort(), key).toEqual(fields.sort());
    }
    expect(config.breaker).toMatchObject({ windowDurationMs: 90_000, slowWaitFloorMs: 2_000, failureOutcomes: ['TIMEOUT'], halfOpenHealthProbe: false });
    expect(config.retry).toMatchObject({ baseMs: 300, retryAfterMaxMs: 7_000, budget: { maxTokens: 12, tokenRatio: 0.2 } });
    expect(config.bulkhead).toMatchObject({ maxQueueWaitMs: 1_000, reserveShare: 0.1 });
  });

  it('merge a provider override over the top level, and a budget key by key', () => {
    const config = parseConfig(
      TIERS + yamlOf('breaker', { open_base: '4s' }, '{ openai: { window_size: 40 } }') + yamlOf('retry', { budget: '{ max_tokens: 12 }' }, '{ openai: { budget: { token_ratio: 0.5 } } }'),
      'over.yaml',
      {},
    );
    expect(changed(config.breaker.overrides['openai']!, config.breaker)).toEqual(['windowSize']);
    expect(config.breaker.overrides['openai']).toMatchObject({ windowSize: 40, openBaseMs: 4_000 });
    expect(config.retry.overrides['openai']?.budget).toEqual({ maxTokens: 12, tokenRatio: 0.5 });
    expect(config.breaker.overrides['anthropic']).toBeUndefined();
  });
});

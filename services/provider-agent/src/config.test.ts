import { Outcome } from '@ultra/contracts/chat';
import { ConfigError, parseConfig } from '@ultra/config';
import {
  defaultAdaptiveLimitOptions,
  defaultBreakerOptions,
  defaultBulkheadOptions,
  defaultRetryBudgetOptions,
  defaultRetryOptions,
  defaultSlowWaitOptions,
  resolveAdaptiveLimitOptions,
  resolveBreakerOptions,
  resolveRetryOptions,
} from '@ultra/resilience';
import { describe, expect, it } from 'vitest';
import { resilienceFor } from './config.ts';

const TIERS = 'providers: { primary: [openai, anthropic] }\n';

function problems(yaml: string): readonly string[] {
  try {
    parseConfig(TIERS + yaml, 'test.yaml', {});
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected the config to be rejected');
}

describe('breaker, retry and bulkhead config', () => {
  it('defaults to exactly @ultra/resilience’s defaults (so docs/circuit-breaker-tuning.md is right for both)', () => {
    const r = resilienceFor(parseConfig(TIERS, 'test.yaml', {}), 'openai');
    expect(resolveBreakerOptions(r.breaker)).toEqual(defaultBreakerOptions);
    expect(resolveRetryOptions(r.retry)).toEqual(defaultRetryOptions);
    expect(r.budget).toEqual(defaultRetryBudgetOptions);
    expect(r.bulkhead).toEqual(defaultBulkheadOptions);
    expect(resolveAdaptiveLimitOptions(r.adaptiveLimit ?? {})).toEqual(defaultAdaptiveLimitOptions);
    expect(r.adaptiveLimit?.initial).toBe(defaultBulkheadOptions.limit);
    expect(r).toMatchObject({ halfOpenHealthProbe: true, attemptTimeoutMs: 20_000, firstTokenTimeoutMs: 15_000, idleTimeoutMs: 30_000 });
    expect(r.slowWait).toEqual(defaultSlowWaitOptions);
  });

  it('maps snake_case and durations to the options, with per-provider overrides merged over the top level', () => {
    const config = parseConfig(
      `${TIERS}breaker: { open_base: 1s, window_type: time, failure_outcomes: [timeout, connection], overrides: { anthropic: { slow_ttft: 0s, half_open_health_probe: false } } }
retry: { max_attempts: 2, jitter: decorrelated, budget: { max_tokens: 20 }, overrides: { anthropic: { budget: { token_ratio: 0.5 } } } }
bulkhead: { limit: 8, max_queue_wait: 2s, overrides: { openai: { queue: 0, adaptive: false } } }
`,
      'test.yaml',
      {},
    );
    const openai = resilienceFor(config, 'openai');
    const anthropic = resilienceFor(config, 'anthropic');
    expect(openai.breaker).toMatchObject({ openBaseMs: 1_000, windowType: 'time', slowTtftMs: 10_000, failureOutcomes: [Outcome.TIMEOUT, Outcome.CONNECTION] });
    expect(anthropic.breaker).toMatchObject({ openBaseMs: 1_000, slowTtftMs: 0 });
    expect([openai.halfOpenHealthProbe, anthropic.halfOpenHealthProbe]).toEqual([true, false]);
    expect(openai.retry).toMatchObject({ maxAttempts: 2, jitter: 'decorrelated' });
    expect(openai.budget).toEqual({ maxTokens: 20, tokenRatio: 0.1 });
    expect(anthropic.budget).toEqual({ maxTokens: 20, tokenRatio: 0.5 });
    expect(openai.bulkhead).toEqual({ limit: 8, queue: 0, maxQueueWaitMs: 2_000, reserveShare: 0.05 });
    expect(anthropic.bulkhead).toEqual({ limit: 8, queue: 4096, maxQueueWaitMs: 2_000, reserveShare: 0.05 });
    expect([openai.adaptiveLimit, anthropic.adaptiveLimit?.initial]).toEqual([undefined, 8]);
  });

  it('takes the slow-wait threshold from breaker.slow_wait_factor, slow_wait_floor and slow_wait_samples, overridable per provider', () => {
    const config = parseConfig(`${TIERS}breaker: { slow_wait_factor: 3, overrides: { anthropic: { slow_wait_floor: 1500ms, slow_wait_samples: 50 } } }\n`, 'test.yaml', {});
    expect(resilienceFor(config, 'openai').slowWait).toEqual({ factor: 3, floorMs: 3_000, minSamples: 20 });
    expect(resilienceFor(config, 'anthropic').slowWait).toEqual({ factor: 3, floorMs: 1_500, minSamples: 50 });
  });

  it('names every bad key with its path and value', () => {
    expect(
      problems(`breaker: { minimum_calls: 30, open_base: 0s, failure_outcomes: [nope], overrides: { anthropic: { half_open_successes: 5 }, mistral: { window_size: 5 } } }
retry: { base: 2s, cap: 1s }
bulkhead: { limit: 0 }
`),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^breaker\.open_base: must be longer than 0/),
        expect.stringMatching(/^breaker\.failure_outcomes\[0\]: /),
        expect.stringMatching(/^bulkhead\.limit: /),
      ]),
    );
    expect(problems('bulkhead: { overrides: { openai: { limit: 8, min_limit: 16 } } }\n')).toEqual([
      'bulkhead.overrides.openai.limit: 8 is outside [min_limit, max_limit] = [16, 4096], where the adaptive limit starts',
    ]);
    expect(problems('bulkhead: { latency_tolerance: 0.5 }\n')).toEqual([expect.stringMatching(/^bulkhead\.latency_tolerance: /)]);
    expect(problems('bulkhead: { min_limit: 8, max_limit: 4 }\n')).toEqual(['bulkhead.max_limit: 4 is less than min_limit (8)']);
    expect(problems('breaker: { minimum_calls: 30, overrides: { anthropic: { half_open_successes: 5 }, mistral: { window_size: 5 } } }\nretry: { base: 2s, cap: 1s }\n')).toEqual([
      'breaker.overrides.mistral: no provider "mistral" in any tier',
      'breaker.minimum_calls: 30 is more than window_size (20), so the window never holds enough calls',
      'breaker.overrides.anthropic.minimum_calls: 30 is more than window_size (20), so the window never holds enough calls',
      'breaker.overrides.anthropic.half_open_successes: 5 is more than half_open_probes (3), so half-open could never close',
      'breaker.overrides.mistral.minimum_calls: 30 is more than window_size (5), so the window never holds enough calls',
      'retry.cap: 1s is shorter than base (2s)',
    ]);
  });
});

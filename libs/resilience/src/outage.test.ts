import { Outcome } from '@ultra/contracts/chat';
import { ManualClock, createSeededRandom } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createCircuitBreaker } from './circuit-breaker.ts';
import { createRetryBudget, type RetryBudget } from './retry-budget.ts';
import { runWithRetry } from './run-with-retry.ts';

/**
 * The worked example of docs/circuit-breaker-tuning.md: a provider dies outright and
 * keeps getting 5 req/s for 10 minutes, each request with up to 3 attempts.
 * Returns how many calls actually reached the provider.
 */
async function deadProvider(options: { breaker: boolean; budget: RetryBudget | undefined }): Promise<number> {
  const clock = new ManualClock(1_700_000_000_000);
  const breaker = createCircuitBreaker({}, { clock });
  if (!options.breaker) breaker.force('disabled');
  const random = createSeededRandom(3);
  let providerCalls = 0;
  const attempt = async () => {
    const a = breaker.tryAcquire();
    if (!a.allowed) return { ok: false, outcome: Outcome.UNAVAILABLE, retryAfterMs: a.retryAfterMs } as const;
    providerCalls++;
    breaker.onFailure(a.permit, Outcome.CONNECTION);
    return { ok: false, outcome: Outcome.CONNECTION } as const;
  };
  const running: Promise<unknown>[] = [];
  for (let ms = 0; ms < 600_000; ms += 10) {
    if (ms % 200 === 0) running.push(runWithRetry(attempt, { clock, random, ...(options.budget ? { budget: options.budget } : {}) }));
    await new Promise((r) => setImmediate(r));
    clock.advance(10);
  }
  for (let i = 0; i < 1_000; i++) clock.advance(10);
  await Promise.all(running);
  return providerCalls;
}

describe('a dead provider at 5 req/s for 10 minutes', () => {
  it('gets 9,000 calls with retry alone, 3,003 with a budget, 13 with the breaker too', async () => {
    expect(await deadProvider({ breaker: false, budget: undefined })).toBe(9_000);
    expect(await deadProvider({ breaker: false, budget: createRetryBudget() })).toBe(3_003);
    // 5 failures in a row trip it; then one failing probe per half-open, at 5, 15, 35, 75, 155, 275, 395, 515 s
    expect(await deadProvider({ breaker: true, budget: createRetryBudget() })).toBe(13);
  });
});

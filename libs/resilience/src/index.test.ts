import { Outcome } from '@ultra/contracts/chat';
import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import * as resilience from '@ultra/resilience';

describe('@ultra/resilience', () => {
  it('is importable by package name and exports the documented defaults', () => {
    expect(resilience.defaultBreakerOptions).toMatchObject({
      windowType: 'count',
      windowSize: 20,
      minimumCalls: 10,
      failureRateThreshold: 0.5,
      slowCallRateThreshold: 0.8,
      slowTtftMs: 10_000,
      slowTokensPerSecond: 5,
      consecutiveFailures: 5,
      openBaseMs: 5_000,
      openMultiplier: 2,
      openMaxMs: 120_000,
      halfOpenProbes: 3,
      halfOpenSuccesses: 2,
    });
    expect(resilience.defaultRetryOptions).toMatchObject({ maxAttempts: 3, baseMs: 200, capMs: 5_000, jitter: 'full' });
    expect(resilience.defaultRetryBudgetOptions).toEqual({ maxTokens: 10, tokenRatio: 0.1 });
    expect(resilience.defaultBulkheadOptions).toMatchObject({ limit: 512, queue: 4096, reserveShare: 0.05 });
    expect(resilience.defaultAdaptiveLimitOptions).toEqual({ initial: 512, min: 4, max: 4096, backoff: 0.9, latencyTolerance: 2 });
    expect(resilience.defaultSlowWaitOptions).toEqual({ factor: 5, floorMs: 3_000, minSamples: 20 });
    expect(resilience.defaultBreakerOptions.failureOutcomes).not.toContain(Outcome.BAD_REQUEST);
  });

  it('with the defaults, a dead provider trips the breaker on the fifth failure in a row', () => {
    const b = resilience.createCircuitBreaker({}, { clock: new ManualClock() });
    for (let i = 0; i < 4; i++) {
      const a = b.tryAcquire();
      if (a.allowed) b.onFailure(a.permit, Outcome.CONNECTION);
    }
    expect(b.state).toBe('closed');
    const a = b.tryAcquire();
    if (a.allowed) b.onFailure(a.permit, Outcome.CONNECTION);
    expect(b.state).toBe('open');
  });
});

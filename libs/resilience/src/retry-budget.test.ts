import { describe, expect, it } from 'vitest';
import { createAttemptLimit } from './attempt-limit.ts';
import { createRetryBudget } from './retry-budget.ts';

describe('retry budget', () => {
  it('starts full and allows retries while tokens stay above half', () => {
    const budget = createRetryBudget();
    expect(budget.tokens).toBe(10);
    for (let i = 0; i < 4; i++) budget.onFailure();
    expect(budget.tokens).toBe(6);
    expect(budget.canRetry()).toBe(true);
    budget.onFailure();
    expect(budget.tokens).toBe(5);
    expect(budget.canRetry()).toBe(false);
  });

  it('refills tokenRatio per success, exactly, up to maxTokens', () => {
    const budget = createRetryBudget({ maxTokens: 10, tokenRatio: 0.1 });
    for (let i = 0; i < 5; i++) budget.onFailure();
    for (let i = 0; i < 10; i++) budget.onSuccess();
    expect(budget.tokens).toBe(6);
    expect(budget.canRetry()).toBe(true);
    for (let i = 0; i < 100; i++) budget.onSuccess();
    expect(budget.tokens).toBe(10);
  });

  it('never goes below zero, and takes as many successes to recover', () => {
    const budget = createRetryBudget({ maxTokens: 2, tokenRatio: 0.5 });
    for (let i = 0; i < 10; i++) budget.onFailure();
    expect(budget.tokens).toBe(0);
    budget.onSuccess();
    budget.onSuccess();
    expect(budget.canRetry()).toBe(false);
    budget.onSuccess();
    expect(budget.canRetry()).toBe(true);
  });

  it('rejects a bad size', () => {
    expect(() => createRetryBudget({ maxTokens: 0 })).toThrow('retry budget needs maxTokens in (0, 1000] and tokenRatio > 0, got maxTokens 0, tokenRatio 0.1');
  });
});

describe('attempt limit', () => {
  it('allows maxAttempts starts per request, counting those already used', () => {
    const limit = createAttemptLimit(3, 1);
    expect([limit.tryStart(), limit.tryStart(), limit.tryStart()]).toEqual([true, true, false]);
    expect(limit).toMatchObject({ used: 3, remaining: 0 });
  });
});

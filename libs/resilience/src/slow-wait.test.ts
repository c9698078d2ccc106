import { describe, expect, it } from 'vitest';
import { createSlowWait } from './slow-wait.ts';

describe('the slow-wait threshold', () => {
  it('is the cap (breaker.slow_ttft) until the provider has a history, then 5 × its first-token p95 between 3 s and the cap', () => {
    const fast = createSlowWait(10_000);
    expect(fast.thresholdMs()).toBe(10_000);
    for (let i = 0; i < 19; i++) fast.add(300);
    expect(fast.thresholdMs()).toBe(10_000);
    fast.add(300);
    expect(fast.thresholdMs()).toBe(3_000); // 5 × 300 ms is under the floor
    const steady = createSlowWait(10_000);
    for (let i = 0; i < 20; i++) steady.add(1_000);
    expect(steady.thresholdMs()).toBe(5_000);
    const big = createSlowWait(10_000);
    for (let i = 0; i < 20; i++) big.add(5_000);
    expect(big.thresholdMs()).toBe(10_000); // 25 s, held at the cap
    expect(createSlowWait(0).thresholdMs()).toBe(0);
  });
});

import { createSeededRandom } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createStrategy, type StrategyName, type StrategyView } from './strategy.ts';

const views = (spec: Record<string, Partial<StrategyView>>): StrategyView[] =>
  Object.entries(spec).map(([name, v]) => ({ name, inFlight: 0, latencyMs: undefined, ...v }));

function firstPicks(name: StrategyName, providers: StrategyView[], n: number, extra: { weights?: Record<string, number>; explore?: number } = {}) {
  const strategy = createStrategy(name, { random: createSeededRandom(42), weights: extra.weights ?? {}, explore: extra.explore ?? 0.1 });
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const first = strategy(providers)[0]!.name;
    counts[first] = (counts[first] ?? 0) + 1;
  }
  return counts;
}

describe('strategies', () => {
  it('round-robin takes turns exactly', () => {
    const s = createStrategy('round-robin', { random: createSeededRandom(1), weights: {}, explore: 0 });
    const p = views({ a: {}, b: {}, c: {} });
    expect([0, 1, 2, 3].map(() => s(p).map((v) => v.name).join(''))).toEqual(['abc', 'bca', 'cab', 'abc']);
  });

  it('weighted follows the weights', () => {
    const counts = firstPicks('weighted', views({ a: {}, b: {} }), 4000, { weights: { a: 3, b: 1 } });
    expect(counts['a']! / 4000).toBeGreaterThan(0.7);
    expect(counts['a']! / 4000).toBeLessThan(0.8);
  });

  it('least-outstanding picks the least busy', () => {
    const counts = firstPicks('least-outstanding', views({ a: { inFlight: 5 }, b: { inFlight: 1 }, c: { inFlight: 3 } }), 100);
    expect(counts).toEqual({ b: 100 });
  });

  it('latency sends most traffic to the fastest and still explores the others', () => {
    const counts = firstPicks('latency', views({ fast: { latencyMs: 50 }, slow: { latencyMs: 400 }, mid: { latencyMs: 200 } }), 10_000, { explore: 0.1 });
    expect(counts['fast']! / 10_000).toBeGreaterThan(0.87);
    expect(counts['fast']! / 10_000).toBeLessThan(0.93);
    expect(counts['slow']).toBeGreaterThan(300);
    expect(counts['mid']).toBeGreaterThan(300);
  });

  it('latency measures a provider it has no figure for yet', () => {
    const counts = firstPicks('latency', views({ fast: { latencyMs: 50 }, fresh: {} }), 100, { explore: 0 });
    expect(counts).toEqual({ fresh: 100 });
  });

  it('random spreads evenly', () => {
    const counts = firstPicks('random', views({ a: {}, b: {}, c: {}, d: {} }), 8000);
    for (const n of Object.values(counts)) expect(Math.abs(n / 8000 - 0.25)).toBeLessThan(0.03);
  });
});

import { createSeededRandom } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { drawTiming, RealisticSchema } from './realistic.ts';
import { parseFaults } from './faults.ts';

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!;

describe('realistic timing', () => {
  it('defaults like hosted APIs: first token mostly 0.5–2 s, 50–100 tokens per second', () => {
    const r = RealisticSchema.parse({});
    const random = createSeededRandom(42);
    const draws = Array.from({ length: 2_000 }, () => drawTiming(r, random));
    const ttft = draws.map((d) => d.ttftMs);
    expect(quantile(ttft, 0.5)).toBeGreaterThan(650);
    expect(quantile(ttft, 0.5)).toBeLessThan(950);
    expect(quantile(ttft, 0.05)).toBeGreaterThan(350);
    expect(quantile(ttft, 0.95)).toBeLessThan(2_000);
    const rates = draws.map((d) => d.outputTokens / (d.decodeMs / 1000));
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(50 - 1e-9);
    expect(Math.max(...rates)).toBeLessThanOrEqual(100 + 1e-9);
  });

  it('caps the output at max_tokens and takes configured distributions', () => {
    const r = RealisticSchema.parse({ ttftMs: { dist: 'fixed', value: 2_000 }, tokensPerSecond: { dist: 'fixed', value: 50 }, outputTokens: { dist: 'fixed', value: 500 } });
    expect(drawTiming(r, createSeededRandom(1), 100)).toEqual({ ttftMs: 2_000, decodeMs: 2_000, outputTokens: 100 });
  });

  it('is a fault field, checked like the others', () => {
    expect(parseFaults({ realistic: {} })).toMatchObject({ ok: true, faults: { realistic: { ttftMs: { dist: 'lognormal', median: 800 } } } });
    const bad = parseFaults({ realistic: { ttftMs: { dist: 'uniform', min: 5, max: 1 } } });
    expect(bad).toMatchObject({ ok: false, error: expect.stringContaining('realistic.ttftMs: max must be ≥ min') });
    expect(parseFaults({ maxConcurrent: 0 })).toMatchObject({ ok: false, error: expect.stringContaining('maxConcurrent') });
  });
});

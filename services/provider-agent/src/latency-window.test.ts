import { describe, expect, it } from 'vitest';
import { createLatencyWindow } from './latency-window.ts';

describe('latency window', () => {
  it('gives nearest-rank quantiles of the latest calls only', () => {
    const w = createLatencyWindow(100);
    expect(w.quantile(0.5)).toBe(0);
    for (let ms = 1; ms <= 100; ms++) w.add(ms);
    expect([w.quantile(0.5), w.quantile(0.99), w.quantile(1)]).toEqual([50, 99, 100]);
    for (let i = 0; i < 100; i++) w.add(1_000); // the old ones roll out
    expect([w.size, w.quantile(0.5)]).toEqual([100, 1_000]);
  });
});

import { describe, expect, it } from 'vitest';
import { closedLoop } from './closed-loop.ts';
import { added, createRecorder, quantile, summarize } from './samples.ts';

describe('samples', () => {
  it('takes percentiles by nearest rank', () => {
    const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(500);
    expect(quantile(sorted, 0.99)).toBe(990);
    expect(quantile(sorted, 0.999)).toBe(999);
    expect(quantile(sorted, 1)).toBe(1000);
    expect(quantile(new Float64Array(0), 0.5)).toBeNaN();
    expect(quantile(Float64Array.of(7), 0.999)).toBe(7);
  });

  it('keeps every sample as the recorder grows, and sorts a copy', () => {
    const r = createRecorder(16);
    for (let i = 100; i > 0; i--) r.add(i);
    expect(r.count).toBe(100);
    const s = r.summary();
    expect([s.min, s.p50, s.p99, s.max, s.mean]).toEqual([1, 50, 99, 100, 50.5]);
    expect(r.sorted()[0]).toBe(1);
  });

  it('says what a path adds percentile by percentile', () => {
    const base = summarize(Float64Array.from([1, 2, 3, 4]));
    const subject = summarize(Float64Array.from([2, 4, 6, 8]));
    expect(added(subject, base)).toEqual({ p50: 2, p99: 4, p999: 4 });
  });
});

describe('closedLoop', () => {
  it('keeps exactly `concurrency` requests in flight and sends `total`', async () => {
    let inFlight = 0;
    let most = 0;
    const ok = createRecorder();
    const r = await closedLoop(
      async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight--;
      },
      { concurrency: 8, total: 100, ok },
    );
    expect(most).toBe(8);
    expect(r.completed).toBe(100);
    expect(ok.count).toBe(100);
  });

  it('counts failures apart, with their messages', async () => {
    const ok = createRecorder();
    const failed = createRecorder();
    const r = await closedLoop(
      async (i) => {
        if (i % 4 === 0) throw new Error(`bad ${i % 8}`);
      },
      { concurrency: 2, total: 40, ok, failed },
    );
    expect([r.completed, r.errors, failed.count]).toEqual([30, 10, 10]);
    expect(r.errorSamples.sort()).toEqual(['bad 0', 'bad 4']);
  });

  it('stops sending when its time is up', async () => {
    const r = await closedLoop(() => new Promise((resolve) => setTimeout(resolve, 5)), { concurrency: 1, durationMs: 50, ok: createRecorder() });
    expect(r.completed).toBeGreaterThan(2);
    expect(r.completed).toBeLessThan(12);
  });
});

import { describe, expect, it } from 'vitest';
import { createAddedLatencyLimit, type AddedLatencyLimit } from './added-latency-limit.ts';

/** One 100 ms period in which `answers` answers ended, each with `addedMs` added by Ultra. */
const period = (limit: AddedLatencyLimit, addedMs: number, answers: number, inFlight: number, busy = true) => {
  for (let i = 0; i < answers; i++) limit.add(addedMs);
  limit.endPeriod(inFlight, 100, busy);
};
/** Periods like that until the limit calls one slow (at most `max`); how many it took. */
const untilSlow = (limit: AddedLatencyLimit, addedMs: number, answers: number, inFlight: number, max = 100) => {
  for (let n = 1; n <= max; n++) {
    period(limit, addedMs, answers, inFlight);
    if (limit.slow) return n;
  }
  return Infinity;
};
const fresh = () => createAddedLatencyLimit({ thresholdMs: 50, min: 16, max: 4096 });

describe('added-latency limit', () => {
  it('starts at 64, not at its ceiling, and doubles while calm and in use, so a crowd arriving at once is not all let in', () => {
    const limit = fresh();
    expect(limit.value).toBe(64);
    period(limit, 5, 20, 10); // calm but barely used: no growth
    expect(limit.value).toBe(64);
    period(limit, 5, 20, 64);
    expect(limit.value).toBe(128);
    period(limit, 5, 20, 128);
    period(limit, 5, 20, 256);
    expect(limit.value).toBe(512);
    for (let i = 0; i < 10; i++) period(limit, 5, 20, limit.value);
    expect(limit.value).toBe(4096);
  });

  it('a standing queue inside Ultra brings it to 0.9 × what was in flight within a few periods, then down to its floor; after that it grows by 5 %', () => {
    const limit = createAddedLatencyLimit({ thresholdMs: 50, min: 16, max: 4096, initial: 4096 });
    // 40 answers a period, 300 ms added each: 120 requests inside Ultra on average
    expect(untilSlow(limit, 300, 40, 500)).toBeLessThanOrEqual(3);
    expect(limit.value).toBe(450); // what was in flight caused the queue, not the ceiling
    expect(limit.lastMedianMs).toBe(300);
    period(limit, 300, 40, 450);
    expect(limit.value).toBe(405);
    for (let i = 0; i < 60; i++) period(limit, 300, 40, limit.value);
    expect(limit.value).toBe(16);
    for (let i = 0; i < 10; i++) period(limit, 20, 40, limit.value);
    expect(limit).toMatchObject({ value: 26, slow: false }); // +1 a period (5 % of 16..25 rounds down to 1)
  });

  it('a period that yields (higher priorities inside) is judged by the median alone and may take it below min; the next that does not brings it back to min', () => {
    const limit = createAddedLatencyLimit({ thresholdMs: 50, min: 16, max: 4096, initial: 16 });
    // 10 answers a period with 100 ms added and 12 in flight: 10 requests inside Ultra, under the queue bound of 16
    const periods = (n: number, yielding: boolean) => {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < 10; j++) limit.add(100);
        limit.endPeriod(12, 100, true, yielding);
      }
    };
    periods(30, false);
    expect(limit).toMatchObject({ value: 16, slow: false }); // alone: not a queue of Ultra's
    periods(30, true);
    // cut to 1, yet not `slow`: no queue by Little's law, so nothing for the guard to call saturation
    expect(limit).toMatchObject({ value: 1, slow: false });
    periods(1, false);
    expect(limit).toMatchObject({ value: 16, slow: false });
  });

  it('judges by the median: a few slow answers (a GC pause, a lease wait) do not lower it', () => {
    const limit = fresh();
    for (let n = 0; n < 50; n++) {
      for (let i = 0; i < 9; i++) limit.add(10);
      for (let i = 0; i < 8; i++) limit.add(2_000);
      limit.endPeriod(10, 100);
    }
    expect(limit).toMatchObject({ value: 64, slow: false, lastMedianMs: 10 });
  });

  it('added latency with few requests inside Ultra (a machine slow for everyone, not a queue) lowers nothing', () => {
    const limit = fresh();
    // 10 answers a period with 120 ms added: 12 requests inside Ultra, at most the queue bound of 16
    expect(untilSlow(limit, 120, 10, 20)).toBe(Infinity);
    expect(limit.lastInside).toBeGreaterThan(10);
    expect(limit.lastInside).toBeLessThanOrEqual(12);
    expect(limit.value).toBe(64);
    // over the threshold, it does not grow either, however much of it is in use
    period(limit, 120, 10, 64);
    expect(limit.value).toBe(64);
    // 80 a period: 96 inside, a queue
    expect(untilSlow(limit, 120, 80, 20)).toBeLessThanOrEqual(5);
  });

  it('a period with too few answers never doubles it: a crowd whose answers are not back yet is not let in all at once', () => {
    const limit = fresh();
    for (let i = 0; i < 10; i++) period(limit, 0, 0, 520); // 520 in flight, nothing back yet
    expect(limit.value).toBe(64);
    period(limit, 10, 3, 520); // three fast answers: a little more
    expect(limit.value).toBe(67);
    period(limit, 900, 3, 520); // three slow ones: no evidence either way
    expect(limit).toMatchObject({ value: 67, slow: false });
  });

  it('a slow period while Ultra was not busy itself (a starved machine) lowers nothing', () => {
    const limit = fresh();
    for (let i = 0; i < 50; i++) period(limit, 300, 40, 20, false);
    expect(limit).toMatchObject({ value: 64, slow: false });
  });

  it('refuses bounds that cannot hold, naming them', () => {
    expect(() => createAddedLatencyLimit({ thresholdMs: 0, min: 16, max: 4096 })).toThrow('threshold 0 ms, min 16, max 4096');
    expect(() => createAddedLatencyLimit({ thresholdMs: 50, min: 32, max: 16 })).toThrow(/min 32, max 16/);
  });
});

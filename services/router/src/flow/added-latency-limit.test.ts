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
  it('starts at its ceiling; a standing queue inside Ultra brings it to 0.9 × what was in flight within seconds, then down to its floor', () => {
    const limit = fresh();
    expect(limit.value).toBe(4096);
    // 40 answers a period, 300 ms added each: 120 requests inside Ultra on average
    expect(untilSlow(limit, 300, 40, 500)).toBeLessThanOrEqual(25);
    expect(limit.value).toBe(450); // what was in flight caused the queue, not the ceiling
    expect(limit.lastMedianMs).toBe(300);
    period(limit, 300, 40, 450);
    expect(limit.value).toBe(405);
    for (let i = 0; i < 60; i++) period(limit, 300, 40, limit.value);
    expect(limit.value).toBe(16);
  });

  it('grows back by 5 % a period once calm, to its ceiling', () => {
    const limit = fresh();
    untilSlow(limit, 300, 40, 100);
    expect(limit.value).toBe(90);
    period(limit, 20, 20, 90);
    expect(limit).toMatchObject({ value: 94, slow: false });
    for (let i = 0; i < 200; i++) period(limit, 20, 20, 10);
    expect(limit.value).toBe(4096);
  });

  it('judges by the median: a few slow answers (a GC pause, a lease wait) do not lower it', () => {
    const limit = fresh();
    for (let n = 0; n < 50; n++) {
      for (let i = 0; i < 9; i++) limit.add(10);
      for (let i = 0; i < 8; i++) limit.add(2_000);
      limit.endPeriod(500, 100);
    }
    expect(limit).toMatchObject({ value: 4096, slow: false, lastMedianMs: 10 });
  });

  it('a burst of answers ending together (a crowd of calls to a slow provider) is not a standing queue', () => {
    const limit = fresh();
    // 128 calls to a provider at 2 s come back together, 300 ms added each, every 2 s
    for (let cycle = 0; cycle < 10; cycle++) {
      period(limit, 300, 128, 128);
      for (let i = 0; i < 19; i++) period(limit, 0, 0, 128);
      expect(limit.value).toBe(4096);
    }
  });

  it('added latency with few requests inside Ultra (a machine slow for everyone, not a queue) lowers nothing', () => {
    const limit = fresh();
    // 20 answers a period with 120 ms added: 24 requests inside Ultra
    expect(untilSlow(limit, 120, 20, 128)).toBe(Infinity);
    expect(limit.lastInside).toBeGreaterThan(20);
    expect(limit.lastInside).toBeLessThanOrEqual(24);
    // 80 a period: 96 inside, a queue
    expect(untilSlow(limit, 120, 80, 128)).toBeLessThan(50);
  });

  it('a period with too few answers counts as calm, so a limit lowered by a flood grows back under light traffic', () => {
    const limit = fresh();
    untilSlow(limit, 300, 40, 20);
    expect(limit.value).toBe(18);
    period(limit, 900, 3, 20); // three slow answers: no evidence
    expect(limit).toMatchObject({ value: 19, slow: false });
  });

  it('a slow period while Ultra was not busy itself (a starved machine) lowers nothing', () => {
    const limit = fresh();
    for (let i = 0; i < 50; i++) period(limit, 300, 20, 500, false);
    expect(limit).toMatchObject({ value: 4096, slow: false });
  });

  it('refuses bounds that cannot hold, naming them', () => {
    expect(() => createAddedLatencyLimit({ thresholdMs: 0, min: 16, max: 4096 })).toThrow('threshold 0 ms, min 16, max 4096');
    expect(() => createAddedLatencyLimit({ thresholdMs: 50, min: 32, max: 16 })).toThrow(/min 32, max 16/);
  });
});

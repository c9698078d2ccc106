import { describe, expect, it } from 'vitest';
import { createAddedLatencyLimit } from './added-latency-limit.ts';

const period = (limit: ReturnType<typeof createAddedLatencyLimit>, addedMs: number, answers: number, inFlight: number, busy = true) => {
  for (let i = 0; i < answers; i++) limit.add(addedMs);
  limit.endPeriod(inFlight, busy);
};

describe('added-latency limit', () => {
  it('starts at its ceiling and, while Ultra adds more than the threshold, goes to 0.9 × what was in flight, down to its floor', () => {
    const limit = createAddedLatencyLimit({ thresholdMs: 50, min: 16, max: 4096 });
    expect(limit.value).toBe(4096);
    period(limit, 300, 20, 500);
    expect(limit.value).toBe(450); // what was in flight caused the queue, not the ceiling
    expect(limit).toMatchObject({ slow: true, lastMedianMs: 300 });
    period(limit, 300, 20, 450);
    expect(limit.value).toBe(405);
    for (let i = 0; i < 60; i++) period(limit, 300, 20, limit.value);
    expect(limit.value).toBe(16);
  });

  it('grows back by 5 % a period while calm, to its ceiling', () => {
    const limit = createAddedLatencyLimit({ thresholdMs: 50, min: 16, max: 4096 });
    period(limit, 300, 20, 100);
    expect(limit.value).toBe(90);
    period(limit, 20, 20, 90);
    expect(limit).toMatchObject({ value: 94, slow: false });
    for (let i = 0; i < 200; i++) period(limit, 20, 20, 10);
    expect(limit.value).toBe(4096);
  });

  it('judges by the median: a few slow answers (a GC pause, one lease wait) do not lower it', () => {
    const limit = createAddedLatencyLimit({ thresholdMs: 50, min: 16, max: 4096 });
    for (let i = 0; i < 9; i++) limit.add(10);
    for (let i = 0; i < 8; i++) limit.add(2_000);
    limit.endPeriod(500);
    expect(limit).toMatchObject({ value: 4096, slow: false, lastMedianMs: 10 });
  });

  it('a period with too few answers counts as calm, so a limit lowered by a flood grows back under light traffic', () => {
    const limit = createAddedLatencyLimit({ thresholdMs: 50, min: 16, max: 4096 });
    period(limit, 300, 20, 20);
    expect(limit.value).toBe(18);
    period(limit, 900, 3, 20); // three slow answers: no evidence
    expect(limit).toMatchObject({ value: 19, slow: false });
  });

  it('a slow period while Ultra was not busy itself (a starved machine) lowers nothing', () => {
    const limit = createAddedLatencyLimit({ thresholdMs: 50, min: 16, max: 4096 });
    period(limit, 300, 20, 500, false);
    expect(limit).toMatchObject({ value: 4096, slow: false });
  });

  it('refuses bounds that cannot hold, naming them', () => {
    expect(() => createAddedLatencyLimit({ thresholdMs: 0, min: 16, max: 4096 })).toThrow('threshold 0 ms, min 16, max 4096');
    expect(() => createAddedLatencyLimit({ thresholdMs: 50, min: 32, max: 16 })).toThrow(/min 32, max 16/);
  });
});

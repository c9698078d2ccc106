import { describe, expect, it } from 'vitest';
import { createAdaptiveLimit, type LimitSample } from './adaptive-limit.ts';

const ok = (at: number, inFlight: number, latencyMs = 500): LimitSample => ({ startedAt: at - latencyMs, at, inFlight, kind: 'ok', latencyMs });
const drop = (startedAt: number, at: number, inFlight: number): LimitSample => ({ startedAt, at, inFlight, kind: 'refused' });

describe('adaptive limit (AIMD)', () => {
  it('starts at the initial limit and grows only while it is in use', () => {
    const limit = createAdaptiveLimit({ initial: 10, min: 2, max: 100 });
    limit.onSample(ok(1_000, 3)); // 3 in flight of 10: not limited by it
    expect(limit.value).toBe(10);
    for (let i = 0; i < 10; i++) limit.onSample(ok(1_000 + i, 10));
    expect(limit.value).toBe(20); // slow start: one more per good call
  });

  it('on a concurrency drop goes to backoff × the in-flight count the provider refused, once per round trip', () => {
    const limit = createAdaptiveLimit({ initial: 512, min: 4, max: 4096, backoff: 0.9 });
    // 512 calls sent at t=0; the 17th (16 already in flight) and every later one are refused.
    expect(limit.onSample(drop(0, 10, 17))).toBe('overload');
    expect(limit.value).toBe(15);
    for (let n = 18; n <= 512; n++) expect(limit.onSample(drop(0, 11, n))).toBeUndefined();
    expect(limit.value).toBe(15);
    // From now on one slot more per round trip (limit good calls), then the next refusal.
    for (let i = 0; i < 16; i++) limit.onSample(ok(600 + i, 15));
    expect(limit.value).toBe(16);
    expect(limit.onSample(drop(700, 720, 17))).toBe('overload');
    expect(limit.value).toBe(14); // 0.9 × 16.3
    expect(limit.onSample(drop(710, 730, 17))).toBeUndefined(); // started before that decrease
  });

  it('learns a burst far over the provider’s limit in one round trip: an older refusal with fewer in flight caps the limit', () => {
    const limit = createAdaptiveLimit({ initial: 512, backoff: 0.9 });
    expect(limit.onSample(drop(0, 10, 40))).toBe('overload'); // the first refusal to arrive had 39 ahead of it
    expect(limit.value).toBe(36);
    expect(limit.onSample(drop(0, 11, 17))).toBe('overload'); // another, from the same burst, with 16 ahead
    expect(limit.value).toBe(15);
    expect(limit.onSample(drop(0, 12, 30))).toBeUndefined();
    expect(limit.value).toBe(15);
  });

  it('takes a timeout or an overload error as a struggle only while the limit is in use, and never to the in-flight count', () => {
    const limit = createAdaptiveLimit({ initial: 512, backoff: 0.9 });
    const struggle = (at: number, inFlight: number): LimitSample => ({ startedAt: at - 100, at, inFlight, kind: 'drop' });
    expect(limit.onSample(struggle(1_000, 20))).toBeUndefined(); // 20 of 512 in flight: not about concurrency
    expect(limit.value).toBe(512);
    expect(limit.onSample(struggle(2_000, 300))).toBe('overload');
    expect(limit.value).toBe(460); // 0.9 × 512, not 0.9 × 300
    expect(limit.onSample(struggle(2_001, 300))).toBeUndefined(); // once per round trip
  });

  it('never leaves [min, max]', () => {
    const limit = createAdaptiveLimit({ initial: 8, min: 4, max: 9 });
    for (let i = 0; i < 50; i++) limit.onSample(ok(i, 9));
    expect(limit.value).toBe(9);
    for (let i = 0; i < 20; i++) limit.onSample(drop(1_000 + i * 10, 1_000 + i * 10 + 5, 1));
    expect(limit.value).toBe(4);
  });

  it('lowers the limit when latency climbs past the tolerance of its usual level, under load', () => {
    const limit = createAdaptiveLimit({ initial: 100, min: 4, max: 100, latencyTolerance: 2 });
    let t = 0;
    for (let i = 0; i < 100; i++) limit.onSample(ok((t += 10), 100, 500));
    expect(limit.value).toBe(100);
    expect(Math.round(limit.latencyMs)).toBe(500);
    let cause;
    for (let i = 0; i < 30 && !cause; i++) cause = limit.onSample(ok((t += 10), 100, 3_000));
    expect(cause).toBe('latency');
    expect(limit.value).toBe(90);
  });

  it('names every bad option', () => {
    expect(() => createAdaptiveLimit({ min: 0, max: 2, initial: 5, backoff: 1 })).toThrow(
      'adaptive limit: min must be an integer ≥ 1, got 0; initial must be within [0, 2], got 5; backoff must be in (0, 1), got 1',
    );
  });
});

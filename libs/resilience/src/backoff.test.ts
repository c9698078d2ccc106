import { createSeededRandom } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { backoffDelay, createBackoff, takeDelays } from './backoff.ts';

/** The numbers the seeded source gives, drawn independently of the code under test. */
function draws(seed: number, count: number): number[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: count }, () => random());
}

describe('backoff', () => {
  it('without jitter doubles from baseMs up to capMs', () => {
    expect(takeDelays(createBackoff({ baseMs: 200, capMs: 5_000, jitter: 'none' }, () => 0.5), 7)).toEqual([
      200, 400, 800, 1_600, 3_200, 5_000, 5_000,
    ]);
  });

  it('full jitter draws in [0, min(cap, base·2ⁿ))', () => {
    const r = draws(42, 7);
    const expected = [200, 400, 800, 1_600, 3_200, 5_000, 5_000].map((ceiling, i) => Math.floor(r[i]! * ceiling));
    const delays = takeDelays(createBackoff({ baseMs: 200, capMs: 5_000, jitter: 'full' }, createSeededRandom(42)), 7);
    expect(delays).toEqual(expected);
    // mulberry32(42) draws 0.6011…, 0.4482…, 0.8524…, 0.6697…, 0.1748…, 0.5265…, 0.2732…
    expect(delays).toEqual([120, 179, 681, 1_071, 559, 2_632, 1_366]);
  });

  it('equal jitter draws in [ceiling/2, ceiling): half fixed, half random', () => {
    const r = draws(42, 5);
    const expected = [200, 400, 800, 1_600, 3_200].map((ceiling, i) => Math.floor(ceiling / 2 + r[i]! * (ceiling / 2)));
    expect(takeDelays(createBackoff({ baseMs: 200, capMs: 5_000, jitter: 'equal' }, createSeededRandom(42)), 5)).toEqual(expected);
  });

  it('full jitter with seed 7 gives these exact numbers', () => {
    const r = draws(7, 3);
    expect(takeDelays(createBackoff({ baseMs: 100, capMs: 1_000 }, createSeededRandom(7)), 3)).toEqual([
      Math.floor(r[0]! * 100),
      Math.floor(r[1]! * 200),
      Math.floor(r[2]! * 400),
    ]);
  });

  it('decorrelated jitter draws min(cap, between(base, previous·3)) from previous = base', () => {
    const r = draws(1234, 8);
    const expected: number[] = [];
    let previous = 200;
    for (const x of r) {
      previous = Math.min(5_000, Math.floor(200 + x * (previous * 3 - 200)));
      expected.push(previous);
    }
    const delays = takeDelays(createBackoff({ baseMs: 200, capMs: 5_000, jitter: 'decorrelated' }, createSeededRandom(1234)), 8);
    expect(delays).toEqual(expected);
    expect(delays).toEqual([229, 542, 1_487, 4_335, 724, 432, 377, 947]);
  });

  it('is immutable: the same step gives the same next step for a constant source', () => {
    const b = createBackoff({ jitter: 'full' }, () => 0.25);
    expect(b.next().delayMs).toBe(50);
    expect(b.next().delayMs).toBe(50);
    expect(b.next().next.next().delayMs).toBe(100);
  });

  it('rejects a cap under the base', () => {
    expect(() => createBackoff({ baseMs: 500, capMs: 100 }, () => 0)).toThrow('backoff needs baseMs > 0 and capMs ≥ baseMs, got baseMs 500, capMs 100');
  });
});

const base = { baseMs: 100, capMs: 1_000 };

describe('backoffDelay', () => {
  it('doubles from base up to the cap without jitter', () => {
    const never = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay({ ...base, jitter: 'none' }, n, never))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('equal jitter stays within [ceiling/2, ceiling) and full jitter within [0, ceiling)', () => {
    const random = createSeededRandom(7);
    for (let n = 1; n <= 8; n++) {
      const ceiling = Math.min(1_000, 100 * 2 ** (n - 1));
      for (let i = 0; i < 50; i++) {
        const equal = backoffDelay({ ...base, jitter: 'equal' }, n, random);
        expect(equal).toBeGreaterThanOrEqual(ceiling / 2);
        expect(equal).toBeLessThan(ceiling);
        const full = backoffDelay({ ...base, jitter: 'full' }, n, random);
        expect(full).toBeGreaterThanOrEqual(0);
        expect(full).toBeLessThan(ceiling);
      }
    }
  });

  it('draws only from the injected random: one seed, one sequence', () => {
    const draw = (seed: number) => {
      const random = createSeededRandom(seed);
      return [1, 2, 3, 4].map((n) => backoffDelay({ ...base, jitter: 'equal' }, n, random));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });
});

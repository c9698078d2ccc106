import { createSeededRandom } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createPressure } from './overload-pressure.ts';

describe('overload pressure', () => {
  it('by default needs four saturated samples to shed a class entirely', () => {
    const p = createPressure();
    for (let i = 0; i < 3; i++) p.observe(true);
    expect(p.shed()).toEqual([]);
    p.observe(true);
    expect(p.shed()).toEqual(['batch']);
  });

  it('sheds batch, then low, then normal as saturation lasts; never high', () => {
    const p = createPressure({ rise: 0.5 });
    expect(p.shed()).toEqual([]);
    p.observe(true);
    expect([p.level, p.admitted('batch'), p.admitted('low')]).toEqual([0.5, 0.5, 1]);
    p.observe(true);
    expect(p.shed()).toEqual(['batch']);
    p.observe(true);
    p.observe(true);
    expect(p.shed()).toEqual(['batch', 'low']);
    for (let i = 0; i < 10; i++) p.observe(true);
    expect(p.level).toBe(3);
    expect(p.shed()).toEqual(['batch', 'low', 'normal']);
    expect(p.admitted('high')).toBe(1);
  });

  it('readmits slowly once the saturation is gone: a shed class comes back a twentieth at a time', () => {
    const p = createPressure({ rise: 0.5 });
    for (let i = 0; i < 4; i++) p.observe(true); // level 2: low shed
    p.observe(false);
    expect(p.admitted('low')).toBeCloseTo(0.05);
    const random = createSeededRandom(3);
    const admitted = Array.from({ length: 1_000 }, () => p.admit('low', random)).filter(Boolean).length;
    expect(admitted).toBeGreaterThan(20);
    expect(admitted).toBeLessThan(90);
    for (let i = 0; i < 19; i++) p.observe(false);
    expect(p.admitted('low')).toBeCloseTo(1);
    expect(p.admitted('batch')).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads each unit', () => {
    expect(['250ms', '30s', '1.5m', '1h', ' 2s '].map(parseDuration)).toEqual([250, 30_000, 90_000, 3_600_000, 2000]);
  });

  it('is undefined for what is not a duration', () => {
    expect(['', '30', 's', '5d', '-1s', '1 s', 'toString'].map(parseDuration)).toEqual(Array(7).fill(undefined));
  });

  it('formats back what it reads', () => {
    expect(['250ms', '30s', '5m', '1h'].map((t) => formatDuration(parseDuration(t) ?? 0))).toEqual(['250ms', '30s', '5m', '1h']);
  });
});

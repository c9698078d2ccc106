import { describe, expect, it } from 'vitest';
import { restartDelay } from './supervisor.ts';

describe('the supervisor’s restart backoff', () => {
  it('doubles from 500 ms to a 30 s cap while a child keeps crashing', () => {
    let restarts = 0;
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      const next = restartDelay(restarts, 1_000);
      delays.push(next.delayMs);
      restarts = next.restarts;
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('starts again from the first step once a child stayed up over a minute', () => {
    expect(restartDelay(6, 60_000)).toEqual({ delayMs: 30_000, restarts: 7 });
    expect(restartDelay(6, 60_001)).toEqual({ delayMs: 500, restarts: 1 });
  });
});

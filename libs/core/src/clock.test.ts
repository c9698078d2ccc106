import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from './clock.ts';

describe('systemClock', () => {
  it('clearTimeout cancels a timer it set and ignores handles it did not make', async () => {
    const fired: string[] = [];
    const cleared = systemClock.setTimeout(() => fired.push('cleared'), 0);
    systemClock.clearTimeout(cleared);
    systemClock.clearTimeout(42);
    // Node runs timers of equal delay in the order they were set: this one comes after.
    await new Promise<void>((resolve) =>
      systemClock.setTimeout(() => {
        fired.push('kept');
        resolve();
      }, 0),
    );
    expect(fired).toEqual(['kept']);
  });
});

describe('ManualClock', () => {
  it('clearTimeout cancels its own timers and ignores other handles', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const first = clock.setTimeout(() => fired.push(1), 10);
    clock.setTimeout(() => fired.push(2), 10);
    clock.clearTimeout(first);
    clock.clearTimeout('not a handle');
    clock.advance(10);
    expect(fired).toEqual([2]);
    expect(clock.pending).toBe(0);
  });
});

import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createBulkhead, type BulkheadPermit } from './bulkhead.ts';
import { isBulkheadFullError } from './bulkhead-full-error.ts';
import { capacityFor } from './priority.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('bulkhead priorities, reserves and deadlines', () => {
  it('gives a freed slot to the highest class waiting, first in first out within a class', async () => {
    const bulkhead = createBulkhead({ limit: 1, queue: 10 }, { clock: new ManualClock() });
    const running = await bulkhead.acquire();
    const order: string[] = [];
    const held: BulkheadPermit[] = [];
    const ask = (name: string, priority: 'high' | 'normal' | 'low' | 'batch') =>
      bulkhead.acquire({ priority }).then((p) => (order.push(name), held.push(p)));
    const all = [ask('batch', 'batch'), ask('low1', 'low'), ask('normal', 'normal'), ask('low2', 'low'), ask('high', 'high')];
    running.release();
    for (let i = 0; i < 5; i++) {
      await tick();
      held.shift()?.release();
    }
    await Promise.all(all);
    expect(order).toEqual(['high', 'normal', 'low1', 'low2', 'batch']);
  });

  it('keeps a share of the slots for the classes above: low cannot fill what high may use', async () => {
    expect([capacityFor('high', 100, 0.05), capacityFor('normal', 100, 0.05), capacityFor('low', 100, 0.05), capacityFor('batch', 100, 0.05)]).toEqual([100, 95, 90, 85]);
    expect(capacityFor('batch', 16, 0.05)).toBe(16); // a small limit cannot spare a slot
    const bulkhead = createBulkhead({ limit: 20, queue: 10, reserveShare: 0.1 }, { clock: new ManualClock() });
    const low = await Promise.all(Array.from({ length: 16 }, () => bulkhead.acquire({ priority: 'low' })));
    let queuedLow = false;
    void bulkhead.acquire({ priority: 'low' }).then(() => (queuedLow = true));
    const highs = await Promise.all(Array.from({ length: 4 }, () => bulkhead.acquire({ priority: 'high' })));
    expect({ active: bulkhead.active, queued: bulkhead.queued, queuedLow }).toEqual({ active: 20, queued: 1, queuedLow: false });
    for (const p of [...low, ...highs]) p.release();
  });

  it('refuses at once, with a Retry-After, a call that cannot get a slot and be served before its deadline', async () => {
    const clock = new ManualClock(1_000_000);
    const limit = { value: 2, latencyMs: 1_000 };
    const bulkhead = createBulkhead({ queue: 100 }, { clock, limit });
    const running = [await bulkhead.acquire(), await bulkhead.acquire()];
    // Two slots, one second a call: the 4th in line starts after about 2 s and ends after 3 s.
    const fits = [1, 2, 3].map(() => bulkhead.acquire({ deadlineAt: clock.now() + 10_000 }));
    const late = await bulkhead.acquire({ deadlineAt: clock.now() + 2_500 }).catch((e: unknown) => e);
    expect(isBulkheadFullError(late) && late.reason).toBe('deadline');
    expect(late).toMatchObject({ retryAfterMs: 2_000 });
    expect((late as Error).message).toBe("bulkhead: no slot in time for the caller's deadline: 3 calls ahead for 2 slots at about 1s a call; try again in about 2s");
    expect(bulkhead.queued).toBe(3);
    // A high-priority call with the same deadline goes ahead of them and fits.
    const high = bulkhead.acquire({ priority: 'high', deadlineAt: clock.now() + 2_500 });
    for (const p of running) p.release();
    await expect(high).resolves.toMatchObject({ inFlight: 2 });
    await expect(fits[0]).resolves.toBeDefined();
  });

  it('gives up on a waiter when only one call’s time is left before its deadline, never letting it time out', async () => {
    const clock = new ManualClock(0);
    const bulkhead = createBulkhead({ queue: 10 }, { clock, limit: { value: 1, latencyMs: 500 } });
    await bulkhead.acquire();
    const waiting = bulkhead.acquire({ deadlineAt: 3_000 }).catch((e: unknown) => e);
    clock.advance(2_499);
    expect(bulkhead.queued).toBe(1);
    clock.advance(1);
    expect(await waiting).toMatchObject({ reason: 'deadline' });
    expect(bulkhead.queued).toBe(0);
  });

  it('follows a moving limit: more calls start when it grows', async () => {
    const limit = { value: 1, latencyMs: 0 };
    const bulkhead = createBulkhead({ queue: 10 }, { clock: new ManualClock(), limit });
    await bulkhead.acquire();
    let second = false;
    void bulkhead.acquire().then(() => (second = true));
    await tick();
    expect(second).toBe(false);
    limit.value = 3;
    await bulkhead.acquire(); // a new call starts at once, and lets the waiter in too
    await tick();
    expect({ second, active: bulkhead.active }).toEqual({ second: true, active: 3 });
  });
});

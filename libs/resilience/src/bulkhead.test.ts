import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createBulkhead } from './bulkhead.ts';
import { BulkheadFullError, isBulkheadFullError } from './bulkhead-full-error.ts';

/** A call that runs until the test ends it. */
function slowCall() {
  let finish!: (v: string) => void;
  const done = new Promise<string>((r) => (finish = r));
  return { fn: () => done, finish };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('bulkhead', () => {
  it('runs N, queues M, and rejects the rest at once', async () => {
    const bulkhead = createBulkhead({ limit: 3, queue: 2 }, { clock: new ManualClock() });
    const calls = Array.from({ length: 8 }, () => slowCall());
    const started: number[] = [];
    const results = calls.map((c, i) => bulkhead.execute(() => (started.push(i), c.fn())));
    const done = results.map(() => false);
    const settled = results.map((p, i) => p.then((v) => v, (e: unknown) => e).finally(() => (done[i] = true)));
    await tick();
    expect(done).toEqual([false, false, false, false, false, true, true, true]);
    expect(started).toEqual([0, 1, 2]);
    expect({ active: bulkhead.active, queued: bulkhead.queued }).toEqual({ active: 3, queued: 2 });
    for (const i of [5, 6, 7]) {
      const e = await settled[i];
      expect(isBulkheadFullError(e)).toBe(true);
      expect((e as Error).message).toBe('bulkhead full: all 3 slots busy and 2 calls already queued (limit 3, queue 2)');
    }
    calls[1]!.finish('b');
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    calls.forEach((c, i) => c.finish(`call ${i}`));
    expect(await Promise.all(settled.slice(0, 5))).toEqual(['call 0', 'b', 'call 2', 'call 3', 'call 4']);
    expect({ active: bulkhead.active, queued: bulkhead.queued }).toEqual({ active: 0, queued: 0 });
  });

  it('serves the queue first in, first out, and frees a slot when a call fails', async () => {
    const bulkhead = createBulkhead({ limit: 1, queue: 3 }, { clock: new ManualClock() });
    const order: string[] = [];
    const first = bulkhead.execute(() => Promise.reject(new Error('provider down')));
    const rest = ['a', 'b', 'c'].map((name) => bulkhead.execute(async () => void order.push(name)));
    await expect(first).rejects.toThrow('provider down');
    await Promise.all(rest);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('takes a queued call out of the queue when its signal aborts', async () => {
    const bulkhead = createBulkhead({ limit: 1, queue: 1 }, { clock: new ManualClock() });
    const running = slowCall();
    void bulkhead.execute(running.fn);
    const controller = new AbortController();
    let ran = false;
    const queued = bulkhead.execute(async () => void (ran = true), controller.signal);
    controller.abort(new Error('client went away'));
    await expect(queued).rejects.toThrow('client went away');
    expect(bulkhead.queued).toBe(0);
    const next = bulkhead.execute(async () => 'next'); // the freed queue place is usable
    running.finish('x');
    expect(await next).toBe('next');
    expect(ran).toBe(false);
  });

  it('gives up on a queued call after maxQueueWaitMs on the injected clock', async () => {
    const clock = new ManualClock();
    const bulkhead = createBulkhead({ limit: 1, queue: 1, maxQueueWaitMs: 2_000 }, { clock });
    void bulkhead.execute(slowCall().fn);
    const queued = bulkhead.execute(async () => 'late').catch((e: unknown) => e);
    clock.advance(1_999);
    expect(bulkhead.queued).toBe(1);
    clock.advance(1);
    const e = await queued;
    expect(e).toBeInstanceOf(BulkheadFullError);
    expect(e).toMatchObject({ reason: 'queue-timeout', limit: 1, queue: 1 });
    expect(bulkhead.queued).toBe(0);
  });

  it('with no queue rejects the first call over the limit', async () => {
    const bulkhead = createBulkhead({ limit: 1, queue: 0 }, { clock: new ManualClock() });
    void bulkhead.execute(slowCall().fn);
    await expect(bulkhead.execute(async () => 1)).rejects.toSatisfy(isBulkheadFullError);
  });
});

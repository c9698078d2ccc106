import { ManualClock, createSeededRandom } from '@ultra/core';
import type { SaturationSample } from '@ultra/runtime';
import { describe, expect, it } from 'vitest';
import { createOverloadGuard, type OverloadStatus } from './overload-guard.ts';

const config = { eventLoopDelayMs: 50, busyCpu: 0.5, maxInFlight: 100, addedLatencyMs: 50, minInFlight: 16, maxHeap: 0.9, sampleEveryMs: 100, retryAfterMs: 1_000 };

/** A guard whose process saturation the test sets, sampled on a manual clock. */
function setup() {
  const clock = new ManualClock();
  let now: SaturationSample = { eventLoopDelayMs: 5, heapUsed: 0.2, rssBytes: 1, cpuCores: 0.9 };
  const changes: OverloadStatus[] = [];
  const guard = createOverloadGuard({ config, clock, random: createSeededRandom(1), probe: { sample: () => now, stop: () => undefined }, onShedChange: (s) => changes.push(s) });
  guard.start();
  return { clock, guard, changes, set: (s: Partial<SaturationSample>) => (now = { ...now, ...s }) };
}

describe('overload guard', () => {
  it('sheds low priority fast while the event loop lags, names why, and keeps serving high', () => {
    const { clock, guard, changes, set } = setup();
    expect(guard.admit('low')).toEqual({ ok: true });
    set({ eventLoopDelayMs: 180 });
    clock.advance(800); // eight saturated samples: batch, then low shed
    expect(changes.map((c) => c.shed)).toEqual([['batch'], ['batch', 'low']]);
    const refusal = guard.admit('low');
    expect(refusal).toEqual({ ok: false, detail: 'Ultra is overloaded (event-loop delay 180 ms) and sheds low-priority requests now', retryAfterMs: expect.any(Number) });
    // between one and two times retry_after, so that a crowd shed together does not come back together
    const waits = Array.from({ length: 50 }, () => (guard.admit('low') as { retryAfterMs: number }).retryAfterMs);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(1_000);
    expect(Math.max(...waits)).toBeLessThan(2_000);
    expect(new Set(waits).size).toBeGreaterThan(10);
    expect(guard.refusesOutright('low').ok).toBe(false);
    expect(guard.admit('normal')).toEqual({ ok: true });
    expect(guard.admit('high')).toEqual({ ok: true });
    expect(guard.status()).toMatchObject({ level: 2, saturated: true, reason: 'event-loop delay 180 ms' });
  });

  it('lets shed work back a little at a time once calm, and says when nothing is shed any more', () => {
    const { clock, guard, changes, set } = setup();
    set({ eventLoopDelayMs: 180 });
    clock.advance(800);
    set({ eventLoopDelayMs: 5 });
    clock.advance(100);
    expect(guard.refusesOutright('low').ok).toBe(true); // a share of it again
    const admitted = Array.from({ length: 400 }, () => guard.admit('low').ok).filter(Boolean).length;
    expect(admitted).toBeGreaterThan(5);
    expect(admitted).toBeLessThan(50);
    clock.advance(4_000);
    expect(changes.at(-1)?.shed).toEqual([]);
    expect(guard.admit('batch')).toEqual({ ok: true });
  });

  it('counts requests in flight: past max_in_flight all but high are refused, and that is saturation too', () => {
    const { clock, guard } = setup();
    const leave = Array.from({ length: 101 }, () => guard.enter('low'));
    expect(guard.admit('normal')).toMatchObject({ ok: false, detail: expect.stringContaining('limit of 100 requests in flight (overload.max_in_flight)') });
    expect(guard.admit('high')).toEqual({ ok: true });
    clock.advance(100);
    expect(guard.status()).toMatchObject({ saturated: true, reason: '101 requests in flight', inFlight: 101 });
    for (const l of leave) l();
    expect(guard.status().inFlight).toBe(0);
  });

  it('does not take a slow event loop for its own overload while the process is barely using the CPU (a starved machine)', () => {
    const { clock, guard, set } = setup();
    set({ eventLoopDelayMs: 400, cpuCores: 0.1 });
    clock.advance(1_000);
    expect(guard.status()).toMatchObject({ level: 0, saturated: false });
    expect(guard.admit('low')).toEqual({ ok: true });
  });

  it('lets fewer low and batch requests in while Ultra adds more than added_latency to its answers, refusing them at the door, and says why', () => {
    const { clock, guard } = setup();
    // first, answers that come back fast while it is in use: from its floor (16) the limit doubles past 60
    const warm = Array.from({ length: 16 }, () => guard.enter('low'));
    for (let round = 0; round < 10 && guard.status().limit < 64; round++) {
      const ending = Array.from({ length: 10 }, () => guard.enter('low'));
      clock.advance(100);
      for (const l of ending) l(95);
    }
    for (const l of warm) l();
    expect(guard.status().limit).toBe(64);
    // 60 requests held in flight, and 40 answers a sample, each with 200 ms added by Ultra: a standing queue
    const held = Array.from({ length: 60 }, () => guard.enter('low'));
    for (let round = 0; round < 100 && guard.status().limit >= 60; round++) {
      const ending = Array.from({ length: 40 }, () => guard.enter('low'));
      clock.advance(100);
      for (const leave of ending) leave(-100); // (entered 100 ms ago; a provider time of -100 leaves 200 ms added)
    }
    const s = guard.status();
    expect(s.limit).toBeLessThan(60);
    expect(s.limited).toBe(true);
    expect(s.addedLatencyMs).toBe(200);
    expect(s.reason).toMatch(/^it adds 200 ms to an answer, \d+ requests queued inside it$/);
    expect(guard.refusesOutright('low')).toMatchObject({ ok: false, detail: `Ultra is overloaded (${s.reason}) and sheds low-priority requests now` });
    expect(guard.refusesOutright('batch').ok).toBe(false);
    // normal and high are not held to it (normal is shed by the pressure alone)
    expect(guard.refusesOutright('normal').ok).toBe(true);
    expect(guard.refusesOutright('high').ok).toBe(true);
    const leave = guard.enter('low');
    expect(guard.admit('high')).toEqual({ ok: true });
    leave();
    // once answers come back fast, the limit grows and lets them in again, with the 60 still in flight
    for (let round = 0; round < 100 && guard.status().limit <= 80; round++) {
      const ending = Array.from({ length: 10 }, () => guard.enter('low'));
      clock.advance(100);
      for (const l of ending) l(95);
    }
    expect(guard.refusesOutright('low').ok).toBe(true);
    expect(guard.status().reason).toBe('');
    for (const l of held) l();
  });

  it('lets a crowd of low-priority requests arriving at once in 16 (min_in_flight) at a time at first, refusing the rest with a Retry-After, then more while answers stay fast', () => {
    const { clock, guard } = setup();
    const admitted: ((providerMs?: number) => void)[] = [];
    let refusal: unknown;
    for (let i = 0; i < 100; i++) {
      const r = guard.refusesOutright('low');
      if (r.ok) admitted.push(guard.enter('low'));
      else refusal ??= r;
    }
    // (the test's config: min_in_flight 16, where the limit starts; the 5 % reserves of 16 round to none)
    expect(admitted.length).toBe(16);
    expect(refusal).toMatchObject({ ok: false, detail: expect.stringMatching(/^Ultra is overloaded \(16 requests in flight, at the 16 it lets in for low priority while it learns how many it serves within 50 ms of the provider\) and sheds low-priority requests now$/) });
    expect(guard.refusesOutright('normal').ok).toBe(true);
    clock.advance(100);
    expect(guard.status()).toMatchObject({ limited: true, limit: 16 }); // no answer back yet: no growth
    // the first answers come back fast: with enough of them (8), it doubles each sample while in use
    for (const l of admitted.splice(0, 8)) l(95);
    clock.advance(100);
    expect(guard.status()).toMatchObject({ limit: 32 });
    for (const l of admitted) l(0);
  });

  it('with high or normal requests in flight beside a queue, the limit for low goes below min_in_flight, to none left for low, and back to its floor once they are gone', () => {
    const { clock, guard } = setup();
    const high = Array.from({ length: 8 }, () => guard.enter('high'));
    const held = Array.from({ length: 8 }, () => guard.enter('low'));
    // a standing queue inside Ultra: 40 answers a sample, 200 ms added to each (Little: 80 inside)
    for (let round = 0; round < 60; round++) {
      const ending = Array.from({ length: 40 }, () => guard.enter('low'));
      clock.advance(100);
      for (const leave of ending) leave(-100);
    }
    expect(guard.status().limit).toBeLessThan(16); // below min_in_flight: no slot for one more low
    expect(guard.refusesOutright('low').ok).toBe(false);
    expect(guard.refusesOutright('high').ok).toBe(true);
    for (const l of high) l();
    // high gone: the sample after next puts the floor back at min_in_flight (the shed pressure
    // the long queue raised comes down on its own, slower)
    clock.advance(100);
    expect(guard.status().limit).toBeLessThan(16);
    clock.advance(100);
    expect(guard.status().limit).toBe(16);
    for (const l of held) l();
  });

  it('beside normal requests, added latency without a queue inside Ultra cuts only what low may use: it is not saturation, and normal is never shed for it', () => {
    const { clock, guard } = setup();
    const normal = Array.from({ length: 4 }, () => guard.enter('normal'));
    // 10 answers a sample with 100 ms added: 10 requests inside Ultra on average, under the queue bound of 16
    for (let round = 0; round < 100; round++) {
      const ending = Array.from({ length: 10 }, () => guard.enter('normal'));
      clock.advance(100);
      for (const leave of ending) leave(0);
    }
    // not saturation: nothing is shed by the pressure, and the limit is not reported as limiting (no low was refused)
    expect(guard.status()).toMatchObject({ saturated: false, reason: '', level: 0, shed: [], limited: false });
    expect(guard.status().limit).toBeLessThan(16);
    expect(guard.admit('low').ok).toBe(false);
    expect(guard.admit('normal')).toEqual({ ok: true });
    for (const l of normal) l();
  });

  it('learns nothing from a request without a provider time (a failover, a cache hit, a stream)', () => {
    const { clock, guard } = setup();
    for (let round = 0; round < 5; round++) {
      const ending = Array.from({ length: 20 }, () => guard.enter('low'));
      clock.advance(100);
      for (const l of ending) l();
    }
    expect(guard.status()).toMatchObject({ limit: 16, addedLatencyMs: 0, limited: false });
  });

  it('takes a heap near its limit as saturation', () => {
    const { clock, guard, set } = setup();
    set({ heapUsed: 0.95 });
    clock.advance(100);
    expect(guard.status().reason).toBe('heap 95 % of its limit');
  });
});

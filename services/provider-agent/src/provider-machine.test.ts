import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise } from 'xstate';
import { providerMachine, type ProbeResult } from './provider-machine.ts';
import { flush } from './test-helpers.ts';

/** The machine with a probe that answers from `results` (ok when it runs out), on a ManualClock. */
function machineUnderTest(results: ProbeResult[], threshold = 3) {
  const clock = new ManualClock(0);
  let probes = 0;
  const probe = fromPromise<ProbeResult>(async () => {
    probes++;
    return results.shift() ?? { ok: true };
  });
  const actor = createActor(providerMachine.provide({ actors: { probe } }), { clock, input: { name: 'alpha', threshold, intervalMs: 1_000 } });
  actor.start();
  const tick = async () => {
    clock.advance(1_000);
    await flush();
  };
  return { actor, tick, probes: () => probes, healthy: () => actor.getSnapshot().matches({ health: 'healthy' }) };
}

const down = (detail: string): ProbeResult => ({ ok: false, detail });

describe('the provider machine: active health probe', () => {
  it('marks the provider unhealthy after `threshold` failed probes in a row, and healthy after as many successes', async () => {
    const m = machineUnderTest([down('a'), down('b'), { ok: true }, down('c'), down('d'), down('e'), { ok: true }, { ok: true }], 3);
    for (let i = 0; i < 5; i++) await m.tick();
    expect(m.healthy()).toBe(true); // a success broke the first run
    await m.tick();
    expect(m.healthy()).toBe(false);
    expect(m.actor.getSnapshot().context.detail).toBe('e');
    await m.tick();
    await m.tick();
    expect(m.healthy()).toBe(false);
    await m.tick();
    expect(m.healthy()).toBe(true);
    expect(m.actor.getSnapshot().context.detail).toBe('');
    expect(m.probes()).toBe(9);
  });

  it('probes at once when the breaker turns half-open, and mirrors the breaker', async () => {
    const m = machineUnderTest([]);
    m.actor.send({ type: 'BREAKER.CHANGED', to: 'open' });
    await flush();
    expect(m.probes()).toBe(0);
    m.actor.send({ type: 'BREAKER.CHANGED', to: 'half-open' });
    await flush();
    expect(m.probes()).toBe(1);
    expect(m.actor.getSnapshot().context.breaker).toBe('half-open');
    m.actor.stop();
  });

  it('a probe asked for while one runs starts right after it', async () => {
    const clock = new ManualClock(0);
    let release!: () => void;
    let probes = 0;
    const probe = fromPromise<ProbeResult>(() => {
      probes++;
      return new Promise((resolve) => (release = () => resolve({ ok: true })));
    });
    const actor = createActor(providerMachine.provide({ actors: { probe } }), { clock, input: { name: 'alpha', threshold: 1, intervalMs: 1_000 } });
    actor.start();
    clock.advance(1_000);
    expect(probes).toBe(1);
    actor.send({ type: 'PROBE.NOW' });
    release();
    await flush();
    expect(probes).toBe(2);
    actor.stop();
  });
});

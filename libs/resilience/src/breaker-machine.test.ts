import { Outcome } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor } from 'xstate';
import { breakerMachine } from './breaker-machine.ts';
import { resolveBreakerOptions } from './breaker-options.ts';
import type { BreakerEmitted, BreakerPermit } from './breaker-types.ts';

function start(machine = breakerMachine) {
  const clock = new SimulatedClock();
  const actor = createActor(machine, { input: { options: resolveBreakerOptions({ consecutiveFailures: 1 }) }, clock });
  const emitted: BreakerEmitted[] = [];
  actor.on('*', (e) => emitted.push(e));
  actor.start();
  const acquire = (): BreakerPermit => {
    actor.send({ type: 'ACQUIRE', at: clock.now() });
    const e = emitted.at(-1);
    if (e?.type !== 'admitted') throw new Error(`not admitted: ${JSON.stringify(e)}`);
    return e.permit;
  };
  return { clock, actor, emitted, acquire };
}

describe('breaker machine', () => {
  it('runs on XState simulated time: the open timer is a named delay', () => {
    const { clock, actor, emitted, acquire } = start();
    actor.send({ type: 'FAILURE', at: clock.now(), permit: acquire(), outcome: Outcome.OVERLOADED });
    expect(actor.getSnapshot().value).toBe('open');
    actor.send({ type: 'ACQUIRE', at: clock.now() });
    expect(emitted.at(-1)).toEqual({ type: 'rejected', reason: 'open', retryAfterMs: 5_000 });
    clock.increment(4_999);
    expect(actor.getSnapshot().value).toBe('open');
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe('half-open');
  });

  it('lets the open delay be swapped with provide()', () => {
    const { clock, actor, acquire } = start(breakerMachine.provide({ delays: { openDuration: 100 } }));
    actor.send({ type: 'FAILURE', at: clock.now(), permit: acquire(), outcome: Outcome.TIMEOUT });
    clock.increment(100);
    expect(actor.getSnapshot().value).toBe('half-open');
  });

  it('admits a call as a probe when the open period is over but the timer has not fired yet', () => {
    const { clock, actor, emitted, acquire } = start(breakerMachine.provide({ delays: { openDuration: 60_000 } }));
    actor.send({ type: 'FAILURE', at: clock.now(), permit: acquire(), outcome: Outcome.CONNECTION });
    actor.send({ type: 'ACQUIRE', at: clock.now() + 5_000 });
    expect(actor.getSnapshot().value).toBe('half-open');
    expect(emitted.at(-1)).toMatchObject({ type: 'admitted', permit: { probe: true } });
  });
});

import { Outcome } from '@ultra/contracts/chat';
import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { permit, succeed, times } from './breaker-test-helpers.ts';
import { createCircuitBreaker } from './circuit-breaker.ts';

const START = 1_700_000_000_000;

describe('circuit breaker: calls still waiting past the slow threshold', () => {
  it('trips on a hang while its calls still wait: five slow waits in a row are a failure run', () => {
    const b = createCircuitBreaker({}, { clock: new ManualClock(START) }); // defaults: a run of 5, window 20
    times(20, () => succeed(b, { ttftMs: 300 })); // a healthy window: the slow-call rate alone would need 16 of 20
    const waiting = Array.from({ length: 5 }, () => permit(b));
    for (const p of waiting.slice(0, 4)) b.onSlow(p);
    expect(b.state).toBe('closed');
    expect(b.stats()).toMatchObject({ slowCalls: 4, consecutiveFailures: 4 });
    b.onSlow(waiting[4]!);
    expect(b.state).toBe('open');
  });

  it('counts a call once: its end after a slow wait neither adds to the window nor to the run, but a success still resets the run', () => {
    const b = createCircuitBreaker({ consecutiveFailures: 3 }, { clock: new ManualClock(START) });
    const [a, c] = [permit(b), permit(b)];
    b.onSlow(a);
    b.onSlow(a); // at most once
    b.onFailure(a, Outcome.TIMEOUT);
    expect(b.stats()).toMatchObject({ calls: 1, slowCalls: 1, failures: 0, consecutiveFailures: 1 });
    b.onSlow(c);
    b.onSuccess(c, { latencyMs: 4_000, ttftMs: 3_500 });
    expect(b.stats()).toMatchObject({ calls: 2, slowCalls: 2, consecutiveFailures: 0 });
    // nothing after the permit is settled
    b.onSlow(c);
    expect(b.stats().calls).toBe(2);
  });

  it('fails a half-open probe at once when it waits past the threshold', () => {
    const clock = new ManualClock(START);
    const b = createCircuitBreaker({ consecutiveFailures: 1, openBaseMs: 1_000 }, { clock });
    b.onFailure(permit(b), Outcome.TIMEOUT);
    expect(b.state).toBe('open');
    clock.advance(1_000);
    expect(b.state).toBe('half-open');
    const probe = permit(b);
    b.onSlow(probe);
    expect(b.state).toBe('open');
    expect(b.stats().consecutiveTrips).toBe(2);
    b.onFailure(probe, Outcome.TIMEOUT); // from the last period: ignored
    expect(b.state).toBe('open');
  });

  it('records slow waits without tripping in metrics-only', () => {
    const b = createCircuitBreaker({}, { clock: new ManualClock(START) });
    b.force('metrics-only');
    times(10, () => b.onSlow(permit(b)));
    expect(b.state).toBe('metrics-only');
    expect(b.stats().slowCalls).toBe(10);
  });
});

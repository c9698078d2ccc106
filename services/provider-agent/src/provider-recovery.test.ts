import { Outcome } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import { actorUnderTest, callInput, flush, settle, testResilience } from './test-helpers.ts';

/** The probes: every second, half a second each, two in a row flip health. */
const HEALTH_CHECK = { intervalMs: 1_000, timeoutMs: 500, threshold: 2 };

function outage() {
  const t = actorUnderTest({ resilience: testResilience({ retry: { maxAttempts: 1 } }), healthCheck: HEALTH_CHECK });
  /** Moves the clock on 100 ms at a time, sending a call every 500 ms when `traffic` is set. */
  const run = async (ms: number, traffic = true) => {
    for (let t0 = 0; t0 < ms; t0 += 100) {
      if (traffic && t0 % 500 === 0) void settle(t.actor.complete(callInput()));
      t.clock.advance(100);
      await flush();
    }
  };
  return { ...t, run };
}

describe('recovery after a long outage', () => {
  it('closes the breaker within three probe intervals of the provider answering again, however long its open time grew', async () => {
    const { actor, provider, run } = outage();
    actor.start();
    provider.probeFails = true;
    provider.callsFail = true;
    await run(40_000); // trips at 5 s, 10 s, 20 s open: the open time has grown
    expect(actor.view()).toMatchObject({ breaker: 'open', healthy: false });
    expect(actor.view().retryAfterMs).toBeGreaterThan(10_000);

    provider.probeFails = false;
    provider.callsFail = false;
    await run(3 * HEALTH_CHECK.intervalMs + HEALTH_CHECK.timeoutMs, false);
    expect(actor.view()).toMatchObject({ breaker: 'closed', healthy: true });
    actor.stop();
  });

  it('does not half-open early while the probes still fail', async () => {
    const { actor, provider, run } = outage();
    actor.start();
    provider.probeFails = true;
    provider.callsFail = true;
    await run(8_000); // tripped at once (5 s), then again at its half-open (10 s)
    expect(actor.view()).toMatchObject({ breaker: 'open', healthy: false });
    expect(actor.view().retryAfterMs).toBeGreaterThan(5_000);
    actor.stop();
  });

  it('nor while a provider’s Retry-After holds it open: answered probes do not cut a rate limit short', async () => {
    const { actor, provider, run } = outage();
    actor.start();
    provider.probeFails = true;
    await run(3_000, false);
    provider.script(...Array.from({ length: 5 }, () => ({ fail: Outcome.RATE_LIMITED, retryAfterMs: 60_000 })));
    for (let i = 0; i < 5; i++) await settle(actor.complete(callInput()));
    expect(actor.view()).toMatchObject({ breaker: 'open', healthy: false });
    provider.probeFails = false;
    await run(5_000, false);
    expect(actor.view()).toMatchObject({ breaker: 'open', healthy: true });
    expect(actor.view().retryAfterMs).toBeGreaterThan(50_000);
    actor.stop();
  });
});

import { Outcome } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import { isProviderCallError, type ProviderCallError } from './provider-call-error.ts';
import { actorUnderTest, callInput, flush, settle, testResilience } from './test-helpers.ts';

const failure = async (p: Promise<unknown>): Promise<ProviderCallError> => {
  const r = await settle(p);
  if (r.ok || !isProviderCallError(r.error)) throw new Error(`expected a ProviderCallError, got ${r.ok ? 'an answer' : String(r.error)}`);
  return r.error;
};

describe('the provider actor: breaker around the adapter', () => {
  it('opens after five failures in a row, then turns calls away at once with the time until half-open', async () => {
    const { clock, provider, actor } = actorUnderTest({ resilience: testResilience({ retry: { maxAttempts: 1 } }) });
    provider.script(...Array.from({ length: 5 }, () => ({ fail: Outcome.SERVER_ERROR })));
    for (let i = 0; i < 5; i++) expect((await failure(actor.complete(callInput()))).outcome).toBe(Outcome.SERVER_ERROR);
    expect(actor.view()).toMatchObject({ breaker: 'open', retryAfterMs: 5_000 });

    clock.advance(2_000);
    const rejected = await failure(actor.complete(callInput()));
    expect(provider.counts.calls).toBe(5); // the sixth never reached the provider
    expect(rejected.outcome).toBe(Outcome.UNAVAILABLE);
    expect(rejected.attempts).toEqual([{ outcome: Outcome.UNAVAILABLE, latencyMs: 0, detail: 'circuit breaker open: calls resume in 3s', retryAfterMs: 3_000 }]);
    expect(actor.view().retryAfterMs).toBe(3_000);
  });

  it('retries are breaker calls and draw on the budget: two requests of up to three attempts trip it', async () => {
    const { clock, provider, actor } = actorUnderTest();
    provider.script(...Array.from({ length: 6 }, () => ({ fail: Outcome.CONNECTION })));
    const run = async () => {
      const call = failure(actor.complete(callInput()));
      for (const ms of [0, 100, 200]) {
        clock.advance(ms); // the backoff: 100 ms, then 200 ms (no jitter)
        await flush();
      }
      return call;
    };
    expect((await run()).attempts.map((a) => a.outcome)).toEqual([Outcome.CONNECTION, Outcome.CONNECTION, Outcome.CONNECTION]);
    const second = await run();
    // the fifth failure trips the breaker and leaves the budget at half: no third attempt
    expect(second.attempts).toHaveLength(2);
    expect(second.message).toMatch(/retry budget is spent/);
    expect(provider.counts.calls).toBe(5);
    expect(actor.view()).toMatchObject({ breaker: 'open', retryBudgetExhausted: true });
  });

  it('half-open: the health probe runs at once and closes it once the provider is back, within open time + one probe interval', async () => {
    const { clock, provider, actor } = actorUnderTest({
      resilience: testResilience({ retry: { maxAttempts: 1 } }),
      healthCheck: { intervalMs: 2_000, timeoutMs: 500, threshold: 2 },
    });
    const step = async (ms: number) => {
      for (let t = 0; t < ms; t += 100) {
        clock.advance(100);
        await flush();
      }
    };
    actor.start();
    provider.script(...Array.from({ length: 5 }, () => ({ fail: Outcome.OVERLOADED })));
    for (let i = 0; i < 5; i++) await settle(actor.complete(callInput()));
    expect(actor.view().breaker).toBe('open');

    await step(4_900);
    const probes = provider.counts.probes; // the regular ones, every 2 s
    await step(100); // open → half-open: a probe at once, its success the first of two
    expect(provider.counts.probes).toBe(probes + 1);
    expect(actor.view().breaker).toBe('half-open');
    await step(1_900);
    expect(actor.view().breaker).toBe('half-open');
    await step(100); // the next probe, one interval later, closes it
    expect(actor.view().breaker).toBe('closed');
    expect(provider.counts.calls).toBe(5);
    actor.stop();
  });

  it('half-open: a failed health probe gives its slot back and does not reopen; a failed real call does', async () => {
    const { clock, provider, actor } = actorUnderTest({ resilience: testResilience({ retry: { maxAttempts: 1 } }) });
    actor.start();
    provider.probeFails = true;
    provider.script(...Array.from({ length: 6 }, () => ({ fail: Outcome.SERVER_ERROR })));
    for (let i = 0; i < 5; i++) await settle(actor.complete(callInput()));
    clock.advance(5_000);
    await flush();
    clock.advance(1_000);
    await flush();
    expect(actor.view()).toMatchObject({ breaker: 'half-open', healthy: false });
    await settle(actor.complete(callInput())); // a real probe call fails: open again, for twice as long
    expect(actor.view()).toMatchObject({ breaker: 'open', retryAfterMs: 10_000 });
    actor.stop();
  });

  it('an operator can force it open and back; a snapshot restores an open breaker until the same time', async () => {
    const { clock, provider, actor } = actorUnderTest();
    actor.force('open');
    const forced = await failure(actor.complete(callInput()));
    expect(forced.attempts[0]).toMatchObject({ outcome: Outcome.UNAVAILABLE, detail: 'circuit breaker forced open by an operator', retryAfterMs: 120_000 });
    expect(actor.view()).toMatchObject({ breaker: 'forced-open', retryAfterMs: 120_000 });
    actor.force('auto');
    await expect(actor.complete(callInput())).resolves.toMatchObject({ completion: { text: 'fine' } });

    const other = actorUnderTest({ start: clock.now() });
    other.actor.restore({ version: 1, state: 'open', openedAt: clock.now() - 1_000, openUntil: clock.now() + 4_000, consecutiveTrips: 1 });
    expect(other.actor.view()).toMatchObject({ breaker: 'open', retryAfterMs: 4_000 });
    expect((await failure(other.actor.complete(callInput()))).outcome).toBe(Outcome.UNAVAILABLE);
    expect(other.provider.counts.calls).toBe(0);
    expect(provider.counts.calls).toBe(1);
  });

  it('publishes error ratio, latency percentiles and in-flight', async () => {
    const { clock, provider, actor } = actorUnderTest({ resilience: testResilience({ retry: { maxAttempts: 1 } }) });
    const latencies = [100, 300, 0, 200];
    provider.script({ latencyMs: 100 }, { latencyMs: 300 }, { fail: Outcome.TIMEOUT }, { latencyMs: 200 });
    for (const ms of latencies) {
      const call = settle(actor.complete(callInput()));
      await flush();
      if (ms === 100) expect(actor.view().inFlight).toBe(1);
      clock.advance(ms);
      await call;
    }
    expect(actor.view()).toMatchObject({ inFlight: 0, errorRatio: 0.25, latencyP50Ms: 200, latencyP99Ms: 300, healthy: true });
  });
});

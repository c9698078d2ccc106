import { Outcome } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import { isProviderCallError } from './provider-call-error.ts';
import { actorUnderTest, callInput, flush, settle, testResilience } from './test-helpers.ts';

/** Short timings for the tests: a first token within 5 s, slow while waiting at 3 s (no history: the cap), 30 s of silence between tokens. */
const SHIPPED = { firstTokenTimeoutMs: 5_000, idleTimeoutMs: 30_000, breaker: { slowTtftMs: 3_000 } } as const;

/** Moves the clock `ms` on, `step` at a time, letting callbacks run. */
async function run(clock: { advance(ms: number): void }, ms: number, step = 100) {
  await flush();
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await flush();
  }
}

const attemptsOf = (r: { ok: boolean; error?: unknown }) => (!r.ok && isProviderCallError(r.error) ? r.error.attempts : []);

describe('a hung provider, for whole answers and streams alike', () => {
  it('cuts a whole answer with no first token at first_token_timeout, not retry.attempt_timeout, and leaves the retry to the next provider', async () => {
    const { clock, provider, actor } = actorUnderTest({ resilience: testResilience({ ...SHIPPED, breaker: { slowTtftMs: 0 } }) });
    provider.script({ hang: true });
    const started = clock.now();
    const call = settle(actor.complete(callInput({ maxRetryWaitMs: 250 })));
    await run(clock, 5_000);
    const r = await call;
    expect(clock.now() - started).toBe(5_000);
    expect(attemptsOf(r).map((a) => [a.outcome, a.detail])).toEqual([[Outcome.TIMEOUT, 'no first token within 5000 ms (first_token_timeout)']]);
    expect(!r.ok && String(r.error)).toMatch(/not retried here: no first token came, and another provider is left/);
    expect(provider.counts.calls).toBe(1);
  });

  it('never cuts a long whole answer for being long: only a silence longer than idle_timeout ends it', async () => {
    const { clock, provider, actor } = actorUnderTest({ resilience: testResilience({ ...SHIPPED, attemptTimeoutMs: 2_000 }) });
    const chunks = Array.from({ length: 40 }, (_, i) => `w${i} `);
    provider.script({ chunks, firstMs: 500, gapMs: 1_000, tokens: 40 }); // 40 s of generation
    const call = settle(actor.complete(callInput()));
    await run(clock, 41_000);
    const r = await call;
    expect(r.ok && r.value.completion.text).toBe(chunks.join(''));
    expect(r.ok && r.value.attempts.map((a) => a.outcome)).toEqual([Outcome.OK]);

    provider.script({ chunks: ['a', 'b'], firstMs: 100, gapMs: 31_000 });
    const broken = settle(actor.complete(callInput()));
    await run(clock, 31_500);
    const b = await broken;
    expect(attemptsOf(b).map((a) => [a.outcome, a.detail])).toEqual([[Outcome.TIMEOUT, 'no token for 30000 ms (idle_timeout)']]);
  });

  it('times a whole answer to its first token: one whose first token comes after slow_ttft is slow while it waits', async () => {
    const breaker = { slowTtftMs: 3_000, minimumCalls: 2, windowSize: 2, slowCallRateThreshold: 1, consecutiveFailures: 0 };
    const { clock, provider, actor } = actorUnderTest({ resilience: testResilience({ ...SHIPPED, breaker }) });
    provider.script({ ok: 'late', latencyMs: 3_500 }, { ok: 'late', latencyMs: 3_500 });
    const first = settle(actor.complete(callInput()));
    await run(clock, 3_700);
    expect((await first).ok).toBe(true); // slow, and answered: one slow call of the two the window needs
    expect(actor.view().breaker).toBe('closed');
    const second = settle(actor.complete(callInput({ maxRetryWaitMs: 250 })));
    await run(clock, 3_100);
    expect(actor.view().breaker).toBe('open'); // the second is slow at 3 s, before its answer
    expect(attemptsOf(await second).at(-1)?.outcome).toBe(Outcome.UNAVAILABLE);
  });

  it('opens the breaker while the calls still wait (slow at 3 s) and fails every waiting call over at once', async () => {
    const { clock, provider, actor } = actorUnderTest({ resilience: testResilience({ ...SHIPPED, bulkhead: { limit: 8, queue: 0 } }) });
    provider.script(...Array.from({ length: 6 }, () => ({ hang: true as const })));
    const started = clock.now();
    const ended: number[] = [];
    const calls = Array.from({ length: 6 }, () => settle(actor.complete(callInput({ maxRetryWaitMs: 250 }))).then((r) => (ended.push(clock.now() - started), r)));
    await run(clock, 2_900);
    expect(actor.view().breaker).toBe('closed');
    await run(clock, 200);
    expect(actor.view().breaker).toBe('open');
    const results = await Promise.all(calls);
    expect(ended.every((ms) => ms <= 3_100)).toBe(true); // not the 5 s first-token timeout
    for (const r of results) {
      const last = attemptsOf(r).at(-1);
      expect(last?.outcome).toBe(Outcome.UNAVAILABLE);
      expect(last?.detail).toMatch(/^rescued: the circuit breaker of alpha opened while the call waited for its first token \(after 3\d\d\d ms\)$/);
    }
    expect(provider.counts.calls).toBe(6);
  });

  it('judges a provider by its own first tokens: with a 300 ms history a call is slow at 3 s, under a 10 s breaker.slow_ttft', async () => {
    const { clock, provider, actor } = actorUnderTest({ resilience: testResilience({ ...SHIPPED, firstTokenTimeoutMs: 15_000, breaker: { slowTtftMs: 10_000, consecutiveFailures: 1 } }) });
    for (let i = 0; i < 20; i++) {
      provider.script({ ok: 'quick', latencyMs: 300 });
      const call = settle(actor.complete(callInput()));
      await run(clock, 400);
      expect((await call).ok).toBe(true);
    }
    provider.script({ hang: true });
    const hung = settle(actor.complete(callInput({ maxRetryWaitMs: 250 })));
    await run(clock, 2_900);
    expect(actor.view().breaker).toBe('closed');
    await run(clock, 200);
    expect(actor.view().breaker).toBe('open');
    expect(attemptsOf(await hung).at(-1)?.detail).toMatch(/^rescued: the circuit breaker of alpha opened/);
  });

  it('refuses a call that waited for a bulkhead slot while the breaker opened, instead of sending it to the hung provider', async () => {
    const { clock, provider, actor } = actorUnderTest({ resilience: testResilience({ ...SHIPPED, breaker: { slowTtftMs: 3_000, consecutiveFailures: 1 }, bulkhead: { limit: 1, queue: 2 } }) });
    provider.script({ hang: true }, { hang: true });
    const first = settle(actor.complete(callInput({ maxRetryWaitMs: 250 })));
    const queued = settle(actor.complete(callInput({ maxRetryWaitMs: 250 })));
    await run(clock, 3_100);
    expect(attemptsOf(await first).at(-1)?.detail).toMatch(/^rescued: the circuit breaker of alpha opened/);
    expect(attemptsOf(await queued).at(-1)).toMatchObject({ outcome: Outcome.UNAVAILABLE, detail: expect.stringMatching(/^the circuit breaker opened while the call waited for a bulkhead slot/) });
    expect(provider.counts.calls).toBe(1);
  });

  it('rescues a waiting call when the health probes mark the provider unhealthy (threshold failures in a row), not on one failed probe', async () => {
    const { clock, provider, actor } = actorUnderTest({
      resilience: testResilience({ ...SHIPPED, breaker: { slowTtftMs: 0 } }),
      healthCheck: { intervalMs: 1_000, timeoutMs: 500, threshold: 3 },
    });
    actor.start();
    await run(clock, 200);
    provider.script({ hang: true });
    const call = settle(actor.complete(callInput({ maxRetryWaitMs: 250 })));
    await flush();
    provider.probeFails = true;
    const started = clock.now();
    let settled = false;
    void call.then(() => (settled = true));
    await run(clock, 1_200); // one failed probe: the call still waits
    expect(settled).toBe(false);
    await run(clock, 2_000); // the third in a row: unhealthy
    const r = await call;
    expect(attemptsOf(r).at(-1)).toMatchObject({ outcome: Outcome.UNAVAILABLE, detail: expect.stringMatching(/^rescued: the health probes marked alpha unhealthy/) });
    expect(clock.now() - started).toBeLessThan(3_500);
    actor.stop();
  });

  it('does not rescue a stream that has started: only calls still waiting for their first token', async () => {
    const { clock, provider, actor } = actorUnderTest({ resilience: testResilience({ ...SHIPPED, breaker: { consecutiveFailures: 1 } }) });
    provider.script({ chunks: ['a', 'b', 'c'], firstMs: 100, gapMs: 1_000 }, { fail: Outcome.SERVER_ERROR });
    const texts: string[] = [];
    const reading = (async () => {
      for await (const e of actor.stream(callInput())) if (e.type === 'delta') texts.push(e.text);
    })();
    await run(clock, 300);
    void settle(actor.complete(callInput({ maxAttempts: 1 }))); // trips the breaker
    await run(clock, 100);
    expect(actor.view().breaker).toBe('open');
    await run(clock, 2_500);
    await reading;
    expect(texts.join('')).toBe('abc');
  });
});

import { Outcome } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import type { AgentStreamEvent } from './invoke-stream.ts';
import { isProviderCallError, type ProviderCallError } from './provider-call-error.ts';
import { actorUnderTest, callInput, flush, testResilience } from './test-helpers.ts';

/** Reads a stream while moving the clock `stepMs` at a time. */
async function drive(stream: AsyncGenerator<AgentStreamEvent>, clock: { advance(ms: number): void }, stepMs = 100) {
  const events: AgentStreamEvent[] = [];
  let error: ProviderCallError | undefined;
  const reading = (async () => {
    try {
      for await (const e of stream) events.push(e);
    } catch (e) {
      if (!isProviderCallError(e)) throw e;
      error = e;
    }
  })();
  let done = false;
  void reading.finally(() => (done = true));
  for (let i = 0; i < 10_000 && !done; i++) {
    await flush(2);
    clock.advance(stepMs);
  }
  await reading;
  return { events, error, text: events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('') };
}

describe('streams through the actor', () => {
  it('retry a stream that failed before its first token', async () => {
    const { clock, provider, actor } = actorUnderTest();
    provider.script({ fail: Outcome.OVERLOADED }, { chunks: ['a', 'b'] });
    const { text, events, error } = await drive(actor.stream(callInput()), clock);
    expect(error).toBeUndefined();
    expect(text).toBe('ab');
    const done = events.at(-1);
    expect(done?.type === 'done' && done.attempts.map((a) => a.outcome)).toEqual([Outcome.OVERLOADED, Outcome.OK]);
    expect(provider.counts.calls).toBe(2);
  });

  it('never retry once the first token went out', async () => {
    const { clock, provider, actor } = actorUnderTest();
    provider.script({ chunks: ['a', 'b', 'c'], breakAfter: 2 }, { chunks: ['never'] });
    const { text, error } = await drive(actor.stream(callInput()), clock);
    expect(text).toBe('ab');
    expect(error?.outcome).toBe(Outcome.STREAM_BROKEN);
    expect(error?.attempts.map((a) => a.outcome)).toEqual([Outcome.STREAM_BROKEN]);
    expect(error?.message).toMatch(/not retried: the stream had started/);
    expect(provider.counts.calls).toBe(1);
  });

  it('time the first token: past first_token_timeout the attempt is a TIMEOUT, and retried', async () => {
    const { clock, provider, actor } = actorUnderTest({ resilience: testResilience({ firstTokenTimeoutMs: 1_000 }) });
    provider.script({ chunks: ['late'], firstMs: 5_000 }, { chunks: ['on time'], firstMs: 200 });
    const { text, events } = await drive(actor.stream(callInput()), clock);
    expect(text).toBe('on time');
    const done = events.at(-1);
    expect(done?.type === 'done' && done.attempts.map((a) => [a.outcome, a.detail])).toEqual([
      [Outcome.TIMEOUT, 'no first token within 1000 ms (first_token_timeout)'],
      [Outcome.OK, ''],
    ]);
  });

  it('report time to first token and tokens per second to the breaker: slow streams trip the slow-call ratio', async () => {
    const resilience = testResilience({
      breaker: { minimumCalls: 2, windowSize: 2, slowTtftMs: 1_000, slowTokensPerSecond: 5, slowCallRateThreshold: 1 },
    });
    const { clock, provider, actor } = actorUnderTest({ resilience });
    // 40 tokens over 20 s after the first: 2 tokens/s, slow; then a first token after 3 s, slow too
    provider.script({ chunks: ['a', 'b', 'c', 'd', 'e'], firstMs: 100, gapMs: 5_000, tokens: 40 }, { chunks: ['x'], firstMs: 3_000 });
    await drive(actor.stream(callInput()), clock);
    expect(actor.view().breaker).toBe('closed');
    await drive(actor.stream(callInput()), clock);
    expect(actor.view().breaker).toBe('open');
  });

  it('a fast stream is not slow, and one the caller abandons settles as CANCELLED and frees its slot', async () => {
    const resilience = testResilience({ breaker: { minimumCalls: 1, windowSize: 1, slowCallRateThreshold: 1 }, bulkhead: { limit: 1, queue: 0 } });
    const { clock, provider, actor } = actorUnderTest({ resilience });
    provider.script({ chunks: ['a', 'b', 'c', 'd'], firstMs: 100, gapMs: 100, tokens: 40 }, { chunks: ['a', 'b'], gapMs: 1_000 });
    await drive(actor.stream(callInput()), clock, 50);
    expect(actor.view().breaker).toBe('closed');

    const stream = actor.stream(callInput());
    expect((await stream.next()).value).toEqual({ type: 'delta', text: 'a' });
    expect(actor.view().inFlight).toBe(1);
    await stream.return(undefined);
    expect(actor.view()).toMatchObject({ inFlight: 0, breaker: 'closed' });
    const again = await drive(actor.stream(callInput()), clock);
    expect(again.text).toBe('fine'); // the single bulkhead slot is free again
    void provider;
  });
});

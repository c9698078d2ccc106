import { create } from '@bufbuild/protobuf';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { CacheService, GetResponseSchema } from '@ultra/contracts/cache';
import { AttemptSchema, ChatRequestSchema, Mode, Outcome, Role } from '@ultra/contracts/chat';
import { InvokeResponseSchema, ProviderAgentService, StreamInvokeResponseSchema } from '@ultra/contracts/provider-agent';
import { parseConfig } from '@ultra/config';
import { describe, expect, it } from 'vitest';
import type { FlowEvent } from '../chat-flow.ts';
import { inMemoryFlow } from './in-memory-flow.ts';

const ask = (content: string) => create(ChatRequestSchema, { messages: [{ role: Role.USER, content }] });
const tick = () => new Promise((r) => setImmediate(r));
const ok = (provider: string) => [create(AttemptSchema, { provider, model: 'm', outcome: Outcome.OK, latencyMs: 1 })];

/** Providers that answer at once, but for `hung` ones, which wait until cancelled (and say so in `cancelled`). */
function harness(hedging = '{}') {
  const config = parseConfig(`providers:\n  primary: [openai, anthropic]\nfailover: { hedging: ${hedging} }\n`, 't.yaml', {});
  const hung = new Set<string>();
  const calls: string[] = [];
  const cancelled: string[] = [];
  const wait = (provider: string, ctx: HandlerContext) =>
    new Promise<never>((_, reject) => ctx.signal.addEventListener('abort', () => (cancelled.push(provider), reject(new Error('cancelled')))));
  const agent: Partial<ServiceImpl<typeof ProviderAgentService>> = {
    async invoke(req, ctx) {
      calls.push(req.provider);
      if (hung.has(req.provider)) await wait(req.provider, ctx);
      return create(InvokeResponseSchema, { answer: { text: `from ${req.provider}`, provider: req.provider, attempts: ok(req.provider) } });
    },
    async *streamInvoke(req, ctx) {
      calls.push(req.provider);
      if (hung.has(req.provider)) await wait(req.provider, ctx);
      yield create(StreamInvokeResponseSchema, { event: { case: 'delta', value: { text: `from ${req.provider}` } } });
      yield create(StreamInvokeResponseSchema, { event: { case: 'done', value: { text: `from ${req.provider}`, provider: req.provider, attempts: ok(req.provider) } } });
    },
  };
  const cache: Partial<ServiceImpl<typeof CacheService>> = { get: () => create(GetResponseSchema, {}), put: () => ({}) };
  const { flow, clock, mode } = inMemoryFlow(config, { cache, agent });
  const signal = new AbortController().signal;
  return { flow, clock, mode, hung, calls, cancelled, signal };
}

async function text(events: AsyncGenerator<FlowEvent>): Promise<string> {
  let out = '';
  for await (const e of events) if (e.type === 'delta') out += e.text;
  return out;
}

/** Answers enough requests at once for both providers to have 20 first-event times (round robin alternates them). */
async function warm(h: ReturnType<typeof harness>, stream: boolean) {
  for (let i = 0; i < 40; i++) {
    if (stream) await text(h.flow.stream(ask(`warm ${i}`), { signal: h.signal }));
    else await h.flow.complete(ask(`warm ${i}`), { signal: h.signal });
  }
  h.calls.length = 0;
}

describe('the adaptive hedge (on by default)', () => {
  it('hedges a plain request to the next candidate after the delay its provider’s own answer times give; the first answer wins, the other is cancelled', async () => {
    const h = harness();
    await warm(h, false);
    h.hung.add('openai');
    const pending = h.flow.complete(ask('hang'), { signal: h.signal });
    await tick();
    expect(h.calls).toEqual(['openai']);
    h.clock.advance(499); // answers took 0 ms here: the delay is min_delay, 500 ms
    await tick();
    expect(h.calls).toEqual(['openai']);
    h.clock.advance(1);
    const answer = await pending;
    expect(answer.provider).toBe('anthropic');
    expect(answer.attempts.map((a) => a.provider)).toEqual(['anthropic']);
    await tick();
    expect(h.cancelled).toEqual(['openai']);
  });

  it('hedges a stream before its first token; the first stream to send a token wins', async () => {
    const h = harness();
    await warm(h, true);
    h.hung.add('openai');
    const got = text(h.flow.stream(ask('hang'), { signal: h.signal }));
    await tick();
    expect(h.calls).toEqual(['openai']);
    h.clock.advance(500);
    expect(await got).toBe('from anthropic');
    await tick();
    expect(h.cancelled).toEqual(['openai']);
  });

  it('does not hedge a provider before it has 20 first-event times, nor in a mode whose policy turns hedging off', async () => {
    const fresh = harness();
    fresh.hung.add('openai');
    void fresh.flow.complete(ask('hang'), { signal: fresh.signal });
    await tick();
    expect(fresh.clock.pending).toBe(0); // no hedge timer
    const h = harness();
    await warm(h, false);
    h.mode.heard(Mode.DEGRADED, 'openai is unhealthy');
    h.hung.add('openai');
    void h.flow.complete(ask('hang'), { signal: h.signal });
    await tick();
    h.clock.advance(5_000);
    await tick();
    expect(h.calls).toEqual(['openai']);
  });

  it('stops at the budget: 5 % of calls over 10 s, at least one', async () => {
    const h = harness('{ budget: { ratio: 0.05, min_per_window: 1, window: 10s } }');
    await warm(h, false);
    h.hung.add('openai');
    h.hung.add('anthropic');
    for (let i = 0; i < 4; i++) void h.flow.complete(ask(`hang ${i}`), { signal: h.signal });
    await tick();
    h.clock.advance(500);
    await tick();
    // 44 calls in the window allow hedges while fewer than 0.05 × 44 = 2.2 were sent:
    // four first calls, and three hedges of the four due.
    expect(h.calls.length).toBe(7);
  });

  it('can be turned off, leaving the fixed hedge as it was', async () => {
    const h = harness('{ adaptive: false, last_chance: false }');
    await warm(h, false);
    h.hung.add('openai');
    void h.flow.complete(ask('hang'), { signal: h.signal });
    await tick();
    expect(h.clock.pending).toBe(0);
  });
});

describe('the last-chance hedge (on by default, whole answers only)', () => {
  it('sends a whole answer that has not come back on to the next candidate while it can still answer within the deadline', async () => {
    const h = harness('{ adaptive: false }');
    await warm(h, false);
    h.hung.add('openai');
    const pending = h.flow.complete(ask('crawl'), { signal: h.signal });
    await tick();
    // the default 30 s deadline less the 20 ms hop margin, less min_delay (anthropic's p95 here is 0 ms)
    h.clock.advance(29_479);
    await tick();
    expect(h.calls).toEqual(['openai']);
    h.clock.advance(1);
    const answer = await pending;
    expect(answer.provider).toBe('anthropic');
    await tick();
    expect(h.cancelled).toEqual(['openai']);
  });

  it('is not sent for a stream (its caller may have seen tokens), nor to a candidate whose times are unknown', async () => {
    const timers = async (hedging: string) => {
      const h = harness(hedging);
      await warm(h, true);
      h.hung.add('openai');
      void text(h.flow.stream(ask('crawl'), { signal: h.signal }));
      await tick();
      return h.clock.pending; // the stream's own first-token timeout, and no hedge
    };
    expect(await timers('{ adaptive: false }')).toBe(await timers('{ adaptive: false, last_chance: false }'));
    const fresh = harness('{ adaptive: false }');
    fresh.hung.add('openai');
    void fresh.flow.complete(ask('crawl'), { signal: fresh.signal });
    await tick();
    expect(fresh.clock.pending).toBe(0);
  });
});

import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { CacheService, GetResponseSchema, Layer } from '@ultra/contracts/cache';
import { AttemptSchema, ChatRequestSchema, Outcome, Priority, Role, ServedFrom, type ChatRequest } from '@ultra/contracts/chat';
import { InvokeResponseSchema, ProviderAgentService, StreamInvokeResponseSchema } from '@ultra/contracts/provider-agent';
import { parseConfig } from '@ultra/config';
import { attemptsError } from '@ultra/runtime';
import { describe, expect, it } from 'vitest';
import { createChatFlow, type FlowEvent } from '../chat-flow.ts';
import { inMemoryFlow, silentLog as silent } from './in-memory-flow.ts';
import { toRpcError } from '../rpc-errors.ts';

const ask = (content: string) => create(ChatRequestSchema, { messages: [{ role: Role.USER, content }] });
const tick = () => new Promise((r) => setImmediate(r));

type Invoke = (provider: string, ctx: HandlerContext) => Promise<string>;
type Stream = (provider: string, ctx: HandlerContext) => AsyncGenerator<string>;

function harness(failover: string, invoke: Invoke, stream?: Stream, defer?: (r: ChatRequest) => Promise<string>) {
  const config = parseConfig(`providers:\n  primary: [openai, anthropic]\n  secondary: [google]\nfailover: ${failover}\n`, 't.yaml', {});
  const stale = new Map<string, Uint8Array>();
  const cacheImpl: Partial<ServiceImpl<typeof CacheService>> = {
    get: (req) => (req.allowStale && stale.size > 0 ? create(GetResponseSchema, { found: true, stale: true, layer: Layer.LOCAL, value: [...stale.values()][0]! }) : create(GetResponseSchema, {})),
    put: (req) => {
      stale.set(req.key, req.value);
      return {};
    },
  };
  const calls: string[] = [];
  /** The max_retry_wait_ms of every agent call, in order. */
  const waits: number[] = [];
  const attempt = (provider: string, outcome: Outcome) => create(AttemptSchema, { provider, model: 'm', outcome, latencyMs: 1 });
  const agentImpl: Partial<ServiceImpl<typeof ProviderAgentService>> = {
    async invoke(req, ctx) {
      calls.push(req.provider);
      waits.push(req.maxRetryWaitMs);
      const text = await invoke(req.provider, ctx);
      return create(InvokeResponseSchema, { answer: { text, provider: req.provider, model: req.model, attempts: [attempt(req.provider, Outcome.OK)] } });
    },
    async *streamInvoke(req, ctx) {
      calls.push(req.provider);
      waits.push(req.maxRetryWaitMs);
      let all = '';
      for await (const piece of stream!(req.provider, ctx)) {
        all += piece;
        yield create(StreamInvokeResponseSchema, { event: { case: 'delta', value: { text: piece } } });
      }
      yield create(StreamInvokeResponseSchema, { event: { case: 'done', value: { text: all, provider: req.provider, attempts: [attempt(req.provider, Outcome.OK)] } } });
    },
  };
  const { flow, clock, routing } = inMemoryFlow(config, { cache: cacheImpl, agent: agentImpl }, { seed: 5, defer });
  return { flow, clock, calls, waits, routing, stale };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    // what a caller sees: the error as the RPC edge translates it
    (e: unknown) => toRpcError(e),
  );

const fail = (provider: string, outcome: Outcome, retryAfterMs = 0) =>
  attemptsError(`${provider} failed`, outcome, [create(AttemptSchema, { provider, model: 'm', outcome, latencyMs: 1, retryAfterMs })]);

async function collect(gen: AsyncGenerator<FlowEvent>): Promise<{ text: string; done?: FlowEvent; error?: ConnectError }> {
  let text = '';
  try {
    for await (const e of gen) {
      if (e.type === 'delta') text += e.text;
      else return { text, done: e };
    }
    return { text };
  } catch (e) {
    return { text, error: ConnectError.from(e) };
  }
}

describe('hedging', () => {
  it('sends a second request after the delay; the first answer wins and the loser is cancelled', async () => {
    let openaiCancelled = false;
    const { flow, clock, calls } = harness('{ hedging: { enabled: true, delay: 500ms } }', (provider, ctx) => {
      if (provider === 'openai') {
        return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => ((openaiCancelled = true), reject(new Error('aborted')))));
      }
      return Promise.resolve(`from ${provider}`);
    });
    const pending = flow.complete(ask('hedge'), { signal: new AbortController().signal });
    await tick();
    await tick();
    expect(calls).toEqual(['openai']);
    clock.advance(500);
    const answer = await pending;
    expect(answer.provider).toBe('anthropic');
    expect(calls).toEqual(['openai', 'anthropic']);
    await tick();
    expect(openaiCancelled).toBe(true);
  });

  it('is off by default', async () => {
    const { flow, clock, calls } = harness('{}', (provider) => (provider === 'openai' ? new Promise((r) => setTimeout(() => r('late'), 30)) : Promise.resolve('x')));
    const pending = flow.complete(ask('no hedge'), { signal: new AbortController().signal });
    await tick();
    expect(clock.pending).toBe(0); // no hedging timer
    expect((await pending).provider).toBe('openai');
    expect(calls).toEqual(['openai']);
  });
});

describe('coalescing', () => {
  it('identical requests in flight at the same moment make one provider call', async () => {
    let release!: (v: string) => void;
    const { flow, calls } = harness('{}', () => new Promise((r) => (release = r)));
    const all = Array.from({ length: 20 }, () => flow.complete(ask('same'), { signal: new AbortController().signal }));
    await tick();
    await tick();
    release('shared');
    const answers = await Promise.all(all);
    expect(calls).toHaveLength(1);
    expect(new Set(answers.map((a) => a.text))).toEqual(new Set(['shared']));
  });
});

describe('failing over rather than waiting', () => {
  it('asks the agent for retries after short waits only while another candidate is left; the last gets the agent’s own limits', async () => {
    const { flow, waits } = harness('{ max_attempts: 3, max_retry_wait: 300ms }', (provider) => {
      throw fail(provider, Outcome.SERVER_ERROR);
    });
    await failure(flow.complete(ask('all fail'), { signal: new AbortController().signal }));
    expect(waits).toEqual([300, 300, 0]);
  });

  it('does the same for streams', async () => {
    const { flow, waits } = harness(
      '{ max_attempts: 2, max_retry_wait: 0s }',
      () => Promise.resolve(''),
      async function* (provider) {
        throw fail(provider, Outcome.SERVER_ERROR);
      },
    );
    try {
      for await (const _ of flow.stream(ask('all fail, streamed'), { signal: new AbortController().signal }));
    } catch {
      // every provider failed
    }
    // 0s still means "fail over at once": 1 ms on the wire, since 0 there means "the agent's own"
    expect(waits).toEqual([1, 0]);
  });
});

describe('rate limits and stale answers', () => {
  it('when every candidate is rate-limited: RESOURCE_EXHAUSTED with the soonest Retry-After', async () => {
    const { flow } = harness('{ max_attempts: 3 }', (provider) => {
      throw fail(provider, Outcome.RATE_LIMITED, provider === 'anthropic' ? 4_000 : 9_000);
    });
    const err = await failure(flow.complete(ask('limited'), { signal: new AbortController().signal }));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(err.metadata.get('retry-after')).toBe('4');
    // now every provider is known to be limited: refused at once, no call
    const again = await failure(flow.complete(ask('limited again'), { signal: new AbortController().signal }));
    expect(again.code).toBe(Code.ResourceExhausted);
    expect(Number(again.metadata.get('retry-after-ms'))).toBeLessThanOrEqual(4_000);
  });

  it('serves a stale answer, marked so, when every provider fails', async () => {
    let down = false;
    const { flow } = harness('{ cooldown: 0s }', (provider) => {
      if (down) throw fail(provider, Outcome.SERVER_ERROR);
      return Promise.resolve('fresh once');
    });
    await flow.complete(ask('q'), { signal: new AbortController().signal });
    down = true;
    const answer = await flow.complete(create(ChatRequestSchema, { ...ask('q'), cachePolicy: 2 }), { signal: new AbortController().signal });
    expect(answer.servedFrom).toBe(ServedFrom.STALE_CACHE);
    expect(answer.text).toBe('fresh once');
    expect(answer.notice).toContain('every provider failed');
    expect(answer.attempts.length).toBe(3);
  });
});

describe('deferrable work', () => {
  it('a low-priority request no provider could answer goes to the queue, with every attempt listed', async () => {
    const deferred: string[] = [];
    const h = harness(
      '{}',
      (provider) => {
        throw fail(provider, Outcome.SERVER_ERROR);
      },
      undefined,
      (r) => (deferred.push(r.messages[0]!.content), Promise.resolve('job-1')),
    );
    const answer = await h.flow.complete(create(ChatRequestSchema, { ...ask('later please'), priority: Priority.LOW }), { signal: new AbortController().signal });
    expect(answer.servedFrom).toBe(ServedFrom.QUEUE);
    expect(answer.jobId).toBe('job-1');
    expect(answer.attempts.length).toBe(3);
    expect(deferred).toEqual(['later please']);
    await expect(h.flow.complete(ask('now please'), { signal: new AbortController().signal })).rejects.toThrow(/no provider could answer/);
  });
});

describe('cooldown after failover', () => {
  it('keeps normal traffic away from a provider the router failed over from', async () => {
    let openaiDown = true;
    const { flow, calls, clock } = harness('{ cooldown: 60s, cooldown_ramp: 0s }', (provider) => {
      if (provider === 'openai' && openaiDown) throw fail(provider, Outcome.SERVER_ERROR);
      return Promise.resolve(provider);
    });
    await flow.complete(ask('a'), { signal: new AbortController().signal });
    openaiDown = false;
    calls.length = 0;
    for (let i = 0; i < 6; i++) await flow.complete(ask(`b${i}`), { signal: new AbortController().signal });
    expect(calls.every((c) => c === 'anthropic')).toBe(true);
    clock.advance(60_000);
    calls.length = 0;
    for (let i = 0; i < 6; i++) await flow.complete(ask(`c${i}`), { signal: new AbortController().signal });
    expect(calls).toContain('openai');
  });
});

describe('streaming', () => {
  it('fails over when the first token does not come in time', async () => {
    const { flow, clock } = harness('{ first_token_timeout: 2s }', async () => '', async function* (provider, ctx) {
      if (provider === 'openai') {
        await new Promise((r) => ctx.signal.addEventListener('abort', r));
        return;
      }
      yield `hello from ${provider}`;
    });
    const out = collect(flow.stream(ask('ttft'), { signal: new AbortController().signal }));
    await tick();
    await tick();
    clock.advance(2_000);
    const result = await out;
    expect(result.text).toBe('hello from anthropic');
    const done = result.done as { answer: { attempts: { provider: string; outcome: Outcome }[] } };
    expect(done.answer.attempts.map((a) => [a.provider, a.outcome])).toEqual([
      ['openai', Outcome.TIMEOUT],
      ['anthropic', Outcome.OK],
    ]);
  });

  it('a break after tokens were sent ends with an error saying how much was sent', async () => {
    const { flow } = harness('{}', async () => '', async function* (provider) {
      yield 'Hello ';
      yield 'wor';
      throw fail(provider, Outcome.STREAM_BROKEN);
    });
    const result = await collect(flow.stream(ask('break'), { signal: new AbortController().signal }));
    expect(result.text).toBe('Hello wor');
    expect(result.done).toBeUndefined();
    expect(result.error?.rawMessage).toBe('the stream from openai broke after 9 characters had been sent; the answer is incomplete');
  });

  it('with stream_resume: continue, resumes on the next provider and stitches one answer', async () => {
    const { flow } = harness('{ stream_resume: continue }', async () => '', async function* (provider) {
      if (provider === 'openai') {
        yield 'Hello ';
        throw fail(provider, Outcome.STREAM_BROKEN);
      }
      yield 'world';
    });
    const result = await collect(flow.stream(ask('resume'), { signal: new AbortController().signal }));
    expect(result.text).toBe('Hello world');
    const done = result.done as { answer: { text: string; notice: string } };
    expect(done.answer.text).toBe('Hello world');
    expect(done.answer.notice).toContain('resumed on anthropic');
  });
});

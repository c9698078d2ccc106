import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, createRouterTransport, type ServiceImpl } from '@connectrpc/connect';
import { CacheService, GetResponseSchema, Layer } from '@ultra/contracts/cache';
import { AttemptSchema, ChatRequestSchema, Mode, Outcome, Role, ServedFrom, type ChatRequest } from '@ultra/contracts/chat';
import { InvokeResponseSchema, ProviderAgentService, ProviderStateSchema } from '@ultra/contracts/provider-agent';
import { parseConfig } from '@ultra/config';
import { createSeededRandom, ManualClock } from '@ultra/core';
import { attemptsError, createLogger } from '@ultra/runtime';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createChatFlow } from './chat-flow.ts';
import { createModeState } from './mode-state.ts';
import { createRouting } from './routing/index.ts';
import { toRpcError } from './rpc-errors.ts';

const config = parseConfig(
  'providers:\n  primary: [openai, anthropic]\n  secondary: [google]\nfailover: { max_attempts: 3 }\n',
  'test.yaml',
  {},
);
const silent = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });

function memoryCache() {
  const entries = new Map<string, Uint8Array>();
  const impl: Partial<ServiceImpl<typeof CacheService>> = {
    get: (req) =>
      entries.has(req.key)
        ? create(GetResponseSchema, { found: true, value: entries.get(req.key)!, layer: Layer.LOCAL })
        : create(GetResponseSchema, { found: false }),
    put: (req) => {
      entries.set(req.key, req.value);
      return {};
    },
    invalidate: () => ({}),
    stats: () => ({}),
  };
  return { entries, client: createClient(CacheService, createRouterTransport((r) => r.service(CacheService, impl))) };
}

/** An agent whose providers fail with the given outcome, or answer when absent. */
function agentWith(failing: Record<string, Outcome>) {
  const calls: string[] = [];
  const impl: ServiceImpl<typeof ProviderAgentService> = {
    invoke(req) {
      calls.push(req.provider);
      const outcome = failing[req.provider];
      if (outcome !== undefined) {
        throw attemptsError(`${req.provider} failed`, outcome, [
          create(AttemptSchema, { provider: req.provider, model: req.model, outcome, latencyMs: 5 }),
        ]);
      }
      return create(InvokeResponseSchema, {
        answer: {
          text: `answer from ${req.provider}`,
          provider: req.provider,
          model: req.model,
          attempts: [create(AttemptSchema, { provider: req.provider, model: req.model, outcome: Outcome.OK, latencyMs: 3 })],
        },
      });
    },
    async *streamInvoke() {},
    async *watchProviders() {},
  };
  return { calls, client: createClient(ProviderAgentService, createRouterTransport((r) => r.service(ProviderAgentService, impl))) };
}

function flowWith(failing: Record<string, Outcome>, down: string[] = []) {
  const cache = memoryCache();
  const agent = agentWith(failing);
  const clock = new ManualClock(1_000_000);
  const mode = createModeState(clock);
  const random = createSeededRandom(3);
  const routing = createRouting(config, clock, random);
  routing.book.updateFromAgent(down.map((name) => create(ProviderStateSchema, { name, healthy: false })));
  const flow = createChatFlow({ config, cache: cache.client, agent: agent.client, ...routing, mode, clock, random, log: silent });
  return { flow, cache, agent, mode, clock, routing };
}

const ask = (content: string, extra: MessageInitShape<typeof ChatRequestSchema> = {}) =>
  create(ChatRequestSchema, { messages: [{ role: Role.USER, content }], ...extra });
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    // what a caller sees: the error as the RPC edge translates it
    (e: unknown) => toRpcError(e),
  );
const opts = () => ({ signal: new AbortController().signal });

describe('chat flow', () => {
  it('answers from a provider, then the same request from the cache', async () => {
    const { flow, agent } = flowWith({});
    const first = await flow.complete(ask('hi'), opts());
    expect(first.servedFrom).toBe(ServedFrom.PROVIDER);
    expect(first.attempts.map((a) => a.outcome)).toEqual([Outcome.OK]);
    const second = await flow.complete(ask('hi'), opts());
    expect(second.servedFrom).toBe(ServedFrom.CACHE);
    expect(second.text).toBe(first.text);
    expect(second.attempts).toEqual([]);
    expect(agent.calls).toHaveLength(1);
  });

  it('fails over to the next candidate and lists every attempt', async () => {
    const { flow, agent } = flowWith({ openai: Outcome.SERVER_ERROR, anthropic: Outcome.OVERLOADED });
    const answer = await flow.complete(ask('fail over'), opts());
    expect(answer.provider).toBe('google');
    expect(answer.attempts.map((a) => `${a.provider}:${Outcome[a.outcome]}`)).toEqual([
      'openai:SERVER_ERROR',
      'anthropic:OVERLOADED',
      'google:OK',
    ]);
    expect(agent.calls).toEqual(['openai', 'anthropic', 'google']);
  });

  it('round-robins within the first tier', async () => {
    const { flow } = flowWith({});
    const providers = [];
    for (let i = 0; i < 4; i++) providers.push((await flow.complete(ask(`q${i}`), opts())).provider);
    expect(providers).toEqual(['openai', 'anthropic', 'openai', 'anthropic']);
  });

  it('tries providers known to be down last', async () => {
    const { flow, agent } = flowWith({}, ['openai', 'anthropic']);
    const answer = await flow.complete(ask('skip'), opts());
    expect(answer.provider).toBe('google');
    expect(agent.calls).toEqual(['google']);
  });

  it('does not fail over on the caller\'s own mistake', async () => {
    const { flow, agent } = flowWith({ openai: Outcome.CONTEXT_TOO_LONG });
    const err = await failure(flow.complete(ask('too long'), opts()));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(agent.calls).toEqual(['openai']);
  });

  it('gives UNAVAILABLE naming every attempt when all fail', async () => {
    const { flow } = flowWith({ openai: Outcome.SERVER_ERROR, anthropic: Outcome.TIMEOUT, google: Outcome.CONNECTION });
    const err = await failure(flow.complete(ask('all down'), opts()));
    expect(err.code).toBe(Code.Unavailable);
    expect(err.rawMessage).toBe(
      'no provider could answer after 3 attempt(s): openai: server_error; anthropic: timeout; google: connection',
    );
  });

  it('rejects bad input before any provider is called', async () => {
    const { flow, agent } = flowWith({});
    const cases: [ChatRequest, string][] = [
      [ask('x', { model: 'gpt-9' }), 'model: unknown model "gpt-9"'],
      [create(ChatRequestSchema, {}), 'messages: at least one message is required'],
      [ask('x', { sampling: { temperature: 3 } }), 'sampling.temperature: must be between 0 and 2, got 3'],
    ];
    for (const [req, message] of cases) {
      const err = await failure(flow.complete(req, opts()));
      expect(err.code).toBe(Code.InvalidArgument);
      expect(err.rawMessage).toContain(message);
    }
    expect(agent.calls).toEqual([]);
  });

  it('skips the cache for hot temperatures and no-store', async () => {
    const { flow, cache } = flowWith({});
    await flow.complete(ask('hot', { sampling: { temperature: 1.5 } }), opts());
    await flow.complete(ask('nostore', { cachePolicy: 1 }), opts());
    expect(cache.entries.size).toBe(0);
  });

  it('says the mode it served in', async () => {
    const { flow, mode } = flowWith({});
    mode.heard(Mode.DEGRADED, 'openai is unhealthy');
    const answer = await flow.complete(ask('mode'), opts());
    expect(answer.mode).toBe(Mode.DEGRADED);
    expect(answer.notice).toBe('Ultra is running in a degraded mode: openai is unhealthy');
  });
});

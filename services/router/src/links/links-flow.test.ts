import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, createRouterTransport, type Interceptor, type ServiceImpl } from '@connectrpc/connect';
import { CacheService } from '@ultra/contracts/cache';
import { AttemptSchema, ChatRequestSchema, Outcome, Role, ServedFrom } from '@ultra/contracts/chat';
import { InvokeResponseSchema, ProviderAgentService } from '@ultra/contracts/provider-agent';
import { parseConfig } from '@ultra/config';
import { createSeededRandom, ManualClock } from '@ultra/core';
import { createLogger } from '@ultra/runtime';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createChatFlow } from '../chat-flow.ts';
import { createModeState } from '../mode-state.ts';
import { createRouting } from '../routing/index.ts';
import { createLinks } from './links.ts';

const config = parseConfig('providers:\n  primary: [openai, anthropic]\n  secondary: [google]\nfailover: { max_attempts: 3 }\n', 'test.yaml', {});
const silent = createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const unreachable = () => new ConnectError('connect ECONNREFUSED 127.0.0.1:50071', Code.Unavailable);

/** A cache that refuses every call while `down`, else misses; counts the calls that reached it. */
function cacheLink(guard: Interceptor) {
  const state = { down: true, calls: 0 };
  const answer = <T>(value: T): T => {
    state.calls++;
    if (state.down) throw unreachable();
    return value;
  };
  const impl: Partial<ServiceImpl<typeof CacheService>> = {
    get: () => answer({ found: false }),
    lease: () => answer({}),
    releaseLease: () => answer({}),
    put: () => answer({}),
  };
  return { state, client: createClient(CacheService, createRouterTransport((r) => r.service(CacheService, impl), { transport: { interceptors: [guard] } })) };
}

/** An agent whose link drops every call while `cut` (HTTP/2 RST_STREAM CANCEL, no attempts), else answers. */
function agentLink(guard: Interceptor) {
  const state = { cut: false, calls: 0 };
  const impl: ServiceImpl<typeof ProviderAgentService> = {
    invoke(req) {
      state.calls++;
      if (state.cut) throw new ConnectError('http/2 stream closed with error code CANCEL (0x8)', Code.Canceled);
      return create(InvokeResponseSchema, {
        answer: { text: 'hi', provider: req.provider, model: req.model, attempts: [create(AttemptSchema, { provider: req.provider, outcome: Outcome.OK })] },
      });
    },
    async *streamInvoke() {},
    async *watchProviders() {},
  };
  return { state, client: createClient(ProviderAgentService, createRouterTransport((r) => r.service(ProviderAgentService, impl), { transport: { interceptors: [guard] } })) };
}

function stack() {
  const clock = new ManualClock(1_000_000);
  // The router's link guards, on the clients as main.ts puts them.
  const links = createLinks({ clock, log: silent });
  const cache = cacheLink(links.cache.guard);
  const agent = agentLink(links.agent.guard);
  const random = createSeededRandom(5);
  const routing = createRouting(config, clock, random);
  const flow = createChatFlow({ config, cache: cache.client, agent: agent.client, ...routing, mode: createModeState(clock), clock, random, log: silent });
  return { flow, cache, agent, clock, routing };
}

/** Lets pending callbacks run and moves the clock on in small steps until `p` settles (the link's retries wait on the clock). */
async function drive<T>(clock: ManualClock, p: Promise<T>): Promise<T> {
  let settled = false;
  const watched = p.finally(() => (settled = true));
  watched.catch(() => undefined);
  for (let i = 0; i < 1_000 && !settled; i++) {
    await new Promise((r) => setImmediate(r));
    if (!settled) clock.advance(10);
  }
  return watched;
}

const ask = (content: string) => create(ChatRequestSchema, { messages: [{ role: Role.USER, content }] });
const opts = () => ({ signal: new AbortController().signal });

describe('links to the cache and the agent', () => {
  it('cache unreachable: every request is answered by a provider, and once the link breaker opens the cache is not dialled at all', async () => {
    const { flow, cache, clock } = stack();
    for (let i = 0; i < 10; i++) {
      const answer = await flow.complete(ask(`q${i}`), opts());
      expect(answer.servedFrom).toBe(ServedFrom.PROVIDER);
    }
    // Three failed calls open it, plus the one that set off before (the Put is not awaited);
    // without the breaker: two or three calls per request.
    expect(cache.state.calls).toBeLessThanOrEqual(4);
    // Back after the open period: one trial call finds it, and the cache is used again.
    cache.state.down = false;
    clock.advance(1_000);
    await flow.complete(ask('back'), opts());
    await flow.complete(ask('back again'), opts());
    expect(cache.state.calls).toBeGreaterThan(4);
  });

  it('agent link cut: UNAVAILABLE (not the caller\'s cancellation), no provider ejected, no dialling while the breaker is open, and answers as soon as it is back', async () => {
    const { flow, agent, clock, routing } = stack();
    agent.state.cut = true;
    const first = ConnectError.from(await drive(clock, flow.complete(ask('a'), opts())).catch((e: unknown) => e));
    expect(first.code).toBe(Code.Unavailable);
    // Every candidate was tried: a cut is worth a failover, unlike a cancellation.
    expect(first.rawMessage).toMatch(/^no provider could answer after 3 attempt\(s\)/);
    expect(first.rawMessage).toContain('the link to the provider-agent broke');
    const dialled = agent.state.calls;
    const second = ConnectError.from(await flow.complete(ask('b'), opts()).catch((e: unknown) => e));
    expect(second.code).toBe(Code.Unavailable);
    expect(second.rawMessage).toContain('the provider-agent is unreachable');
    expect(agent.state.calls).toBe(dialled);
    // A link failure says nothing of the providers: none is ejected or cooling down.
    for (const name of ['openai', 'anthropic', 'google']) expect(routing.book.standing(name).kind).toBe('available');

    agent.state.cut = false;
    clock.advance(500);
    const back = await flow.complete(ask('c'), opts());
    expect(back.servedFrom).toBe(ServedFrom.PROVIDER);
  });
});

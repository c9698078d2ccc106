import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { ChatRequestSchema, Mode, Role } from '@ultra/contracts/chat';
import { BreakerState, ProviderStateSchema } from '@ultra/contracts/provider-agent';
import { RouterService } from '@ultra/contracts/router';
import { parseConfig } from '@ultra/config';
import { listen, type Listener } from '@ultra/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMemoryFlow } from './flow/in-memory-flow.ts';
import { build } from './server.ts';

const PROVIDERS = ['openai', 'anthropic', 'google', 'cohere'];
const config = parseConfig(
  'providers:\n  primary: [openai, anthropic]\n  secondary: [google, cohere]\nservices:\n  router: { grpc: 127.0.0.1:0, http: 127.0.0.1:0 }\n',
  't.yaml',
  {},
);
const { flow, mode, routing, clock } = inMemoryFlow(config, { cache: {}, agent: {} });
let listeners: Listener[] = [];
let http = '';
let grpc = '';

beforeAll(async () => {
  const server = build({ config, flow, mode, clock });
  const [g, h] = (listeners = [await listen(config.services.router.grpc, server.rpc), await listen(config.services.router.http, server.front, 'http1')]);
  grpc = `http://127.0.0.1:${g!.address.port}`;
  http = `http://127.0.0.1:${h!.address.port}`;
});
afterAll(async () => {
  await Promise.all(listeners.map((l) => l.close(100)));
});

/** Every provider's breaker open, its half-open probe `ms` away. */
const breakersOpenFor = (ms: number) =>
  routing.book.updateFromAgent(PROVIDERS.map((name) => create(ProviderStateSchema, { name, healthy: false, breaker: BreakerState.OPEN, retryAfterMs: ms })));
const allBack = () => routing.book.updateFromAgent(PROVIDERS.map((name) => create(ProviderStateSchema, { name, healthy: true, breaker: BreakerState.CLOSED })));
const chat = (body: unknown) => fetch(`${http}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const hello = { model: 'chat', messages: [{ role: 'user', content: 'hello' }] };
const request = create(ChatRequestSchema, { model: 'chat', messages: [{ role: Role.USER, content: 'hello' }] });
const failure = (p: Promise<unknown>) => p.then(() => expect.unreachable('expected an error'), (e: unknown) => ConnectError.from(e));

describe('every error answer says the mode and the notice', () => {
  it('on the OpenAI front: refusals, bad requests and unknown paths', async () => {
    mode.heard(Mode.OUTAGE, 'no provider is healthy');
    breakersOpenFor(4000);
    const refused = await chat(hello);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('x-ultra-mode')).toBe('OUTAGE');
    expect(refused.headers.get('x-ultra-notice')).toMatch(/outage mode.*no provider is healthy/);
    for (const res of [await chat({ messages: 'not a list' }), await fetch(`${http}/v1/embeddings`, { method: 'POST', body: '{}' })]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('x-ultra-mode')).toBe('OUTAGE');
      expect(res.headers.get('x-ultra-notice')).toMatch(/outage mode/);
    }
  });

  it('in gRPC and Connect error metadata, for unary calls and streams', async () => {
    mode.heard(Mode.OUTAGE, 'no provider is healthy');
    breakersOpenFor(4000);
    const clients = [createClient(RouterService, createGrpcTransport({ baseUrl: grpc })), createClient(RouterService, createConnectTransport({ baseUrl: http, httpVersion: '1.1' }))];
    for (const client of clients) {
      const errors = [
        await failure(client.complete({ request })),
        await failure((async () => {
          for await (const _ of client.streamComplete({ request }));
        })()),
        await failure(client.complete({ request: create(ChatRequestSchema, {}) })),
      ];
      expect(errors.map((e) => e.code)).toEqual([Code.Unavailable, Code.Unavailable, Code.InvalidArgument]);
      for (const e of errors) {
        expect(e.metadata.get('x-ultra-mode')).toBe('OUTAGE');
        expect(e.metadata.get('x-ultra-notice')).toMatch(/outage mode/);
      }
    }
  });

  it('says NORMAL, with no notice, when all is well', async () => {
    mode.heard(Mode.NORMAL, '');
    const res = await chat({ messages: 'not a list' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-ultra-mode')).toBe('NORMAL');
    expect(res.headers.get('x-ultra-notice')).toBeNull();
  });
});

describe('Retry-After of a refusal', () => {
  it('is when the soonest breaker half-opens, not the mode table’s two minutes', async () => {
    mode.heard(Mode.OUTAGE, 'no provider is healthy');
    breakersOpenFor(4000);
    expect((await chat(hello)).headers.get('retry-after')).toBe('4');
    clock.advance(1500);
    expect((await chat(hello)).headers.get('retry-after')).toBe('3');
  });

  it('is never under a second, and the mode’s figure when nothing says sooner', async () => {
    mode.heard(Mode.OUTAGE, 'no provider is healthy');
    breakersOpenFor(200);
    expect((await chat(hello)).headers.get('retry-after')).toBe('1');
    allBack(); // OUTAGE by an operator's pin: nothing the router sees says when it ends
    expect((await chat(hello)).headers.get('retry-after')).toBe('120');
    breakersOpenFor(600_000);
    expect((await chat(hello)).headers.get('retry-after')).toBe('120');
  });
});

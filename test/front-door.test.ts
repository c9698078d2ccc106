import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Role } from '@ultra/contracts/chat';
import { RouterService } from '@ultra/contracts/router';
import { startStack, type Stack } from '@ultra/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let stack: Stack;
let openai: OpenAI;

async function providerCalls(): Promise<number> {
  const stats = (await (await fetch(`${stack.simUrl}/_sim/stats`)).json()) as { providers: Record<string, { requests: number; probes: number }> };
  return Object.values(stats.providers).reduce((n, s) => n + s.requests - s.probes, 0);
}

beforeAll(async () => {
  stack = await startStack();
  openai = new OpenAI({ baseURL: `http://127.0.0.1:${stack.ports.routerHttp}/v1`, apiKey: 'not-needed-yet', maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the official openai package against the router', () => {
  it('plain chat completion, with Ultra headers', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'chat', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hi to the SDK' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content).toContain('Say hi to the SDK');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(['openai', 'anthropic']).toContain(response.headers.get('x-ultra-provider'));
    expect(response.headers.get('x-ultra-served-from')).toBe('provider');
    expect(response.headers.get('x-ultra-attempts')).toMatch(/^(openai|anthropic):ok:\d+ms$/);
  });

  it('streaming, in several chunks, ending with a finish reason and usage', async () => {
    const stream = await openai.chat.completions.create({
      model: 'chat',
      messages: [{ role: 'user', content: 'Stream a few words to the SDK please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    let finish: string | null = null;
    let usage: number | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) pieces.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage.total_tokens;
    }
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toContain('Stream a few words to the SDK please');
    expect(finish).toBe('stop');
    expect(usage).toBeGreaterThan(0);
  });

  it('lists the models a request may name', async () => {
    const ids = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(['chat', 'gpt-4o-mini', 'claude-3-5-haiku-latest', 'gemini-2.0-flash', 'command-r']));
  });

  it('retrieves one model, and says in OpenAI’s shape what it does not serve', async () => {
    expect(await openai.models.retrieve('chat')).toMatchObject({ id: 'chat', object: 'model', owned_by: 'ultra' });
    const missing = await openai.models.retrieve('gpt-9').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).message).toMatch(/The model 'gpt-9' does not exist here/);
    const embeddings = await openai.embeddings.create({ model: 'chat', input: 'x' }).catch((e: unknown) => e);
    expect(embeddings).toBeInstanceOf(OpenAI.NotFoundError);
    expect((embeddings as InstanceType<typeof OpenAI.NotFoundError>).message).toMatch(/Ultra does not serve POST \/v1\/embeddings; it serves POST \/v1\/chat\/completions/);
    const garbled = await fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/models/%E0%A4%A`);
    expect(garbled.status).toBe(404);
    const wrongMethod = await fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect(((await wrongMethod.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
  });
});

describe('bad input on both fronts', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['empty messages', { model: 'chat', messages: [] }, /messages: at least one message is required/],
    ['wrong types', { model: 'chat', messages: 'hello' }, /messages: expected a list of messages/],
    ['a bad role', { model: 'chat', messages: [{ role: 'wizard', content: 'x' }] }, /messages\[0\]\.role: must be/],
    ['negative max tokens', { model: 'chat', messages: [{ role: 'user', content: 'x' }], max_tokens: -5 }, /max_tokens: must be a whole number of at least 1, got -5/],
    ['temperature as text', { model: 'chat', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' }, /temperature: expected a number/],
    ['two choices', { model: 'chat', messages: [{ role: 'user', content: 'x' }], n: 2 }, /n: not supported by Ultra \(Ultra returns one choice per request/],
    [
      'a tool without a schema object',
      { model: 'chat', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: [] } }] },
      /tools\[0\]\.function\.parameters: must be a JSON Schema object/,
    ],
    ['an unknown response format', { model: 'chat', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'yaml' } }, /response_format\.type: must be text, json_object or json_schema/],
    ['log probabilities', { model: 'chat', messages: [{ role: 'user', content: 'x' }], logprobs: true }, /logprobs: not supported by Ultra/],
  ];

  it('HTTP: 400 naming the field, and no provider is called', async () => {
    const before = await providerCalls();
    for (const [, body, message] of cases) {
      const res = await fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: { message: string; type: string } };
      expect(json.error.type).toBe('invalid_request_error');
      expect(json.error.message).toMatch(message);
    }
    const big = await fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'x'.repeat(21 * 1024 * 1024) }] }),
    });
    expect(big.status).toBe(400);
    expect(((await big.json()) as { error: { message: string } }).error.message).toMatch(/over the limit of 20971520 bytes/);
    const notJson = await fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`, { method: 'POST', body: '{"model": "chat", "messages": [' });
    expect(notJson.status).toBe(400);
    expect(await providerCalls()).toBe(before);
  });

  it('accepts those parameters at their neutral values, as SDKs and frameworks send them', async () => {
    const res = await openai.chat.completions.create({
      model: 'chat',
      messages: [{ role: 'user', content: 'neutral parameters' }],
      n: 1,
      tools: [],
      response_format: { type: 'text' },
      logprobs: false,
      top_logprobs: 0,
      modalities: ['text'],
      stream_options: null,
    });
    expect(res.choices[0]!.message.content).toContain('neutral parameters');
  });

  it('HTTP: an unknown model is 404 model_not_found, as OpenAI answers it, naming the models there are', async () => {
    const before = await providerCalls();
    const res = await fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(404);
    const json = (await res.json()) as { error: { message: string; type: string; param: string; code: string } };
    expect(json.error).toMatchObject({ type: 'invalid_request_error', param: 'model', code: 'model_not_found' });
    expect(json.error.message).toMatch(/model: unknown model "gpt-9" \(aliases: chat; models: /);
    const err = await openai.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(await providerCalls()).toBe(before);
  });

  it('the SDK surfaces the same as a BadRequestError', async () => {
    const err = await openai.chat.completions.create({ model: 'chat', messages: [], max_tokens: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/messages: at least one message is required/);
  });

  it('gRPC: INVALID_ARGUMENT naming the field, and no provider is called', async () => {
    const client = createClient(RouterService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${stack.ports.router}` }));
    const before = await providerCalls();
    const grpcCases: [Parameters<typeof client.complete>[0], RegExp][] = [
      [{ request: { model: 'gpt-9', messages: [{ role: Role.USER, content: 'x' }] } }, /model: unknown model "gpt-9"/],
      [{ request: { messages: [] } }, /messages: at least one message is required/],
      [{ request: { messages: [{ role: Role.UNSPECIFIED, content: 'x' }] } }, /messages\[0\]\.role: must be system, user, assistant or tool/],
      [
        { request: { messages: [{ role: Role.USER, content: 'x' }, { role: Role.TOOL, toolCallId: 'call_9', content: 'ok' }] } },
        /messages\[1\]\.tool_call_id: no earlier assistant tool call has id "call_9"/,
      ],
      [{ request: { messages: [{ role: Role.USER, content: 'x' }], sampling: { topP: 7 } } }, /sampling\.top_p: must be between 0 and 1, got 7/],
      [{ request: { messages: [{ role: Role.USER, content: 'x'.repeat(1_000_001) }] } }, /messages\[0\]\.content: 1000001 characters, over the limit of 1000000/],
      [{ request: { messages: Array.from({ length: 21 }, () => ({ role: Role.USER, content: 'x'.repeat(1_000_000) })) } }, /messages: 21000000 bytes of text, over the request limit of 20971520 bytes/],
    ];
    for (const [req, message] of grpcCases) {
      await expect(client.complete(req)).rejects.toMatchObject({ code: 3, rawMessage: expect.stringMatching(message) });
    }
    expect(await providerCalls()).toBe(before);
  });
});

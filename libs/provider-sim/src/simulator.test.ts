import { ManualClock } from '@ultra/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSimulator, type Simulator } from './simulator.ts';

let sim: Simulator;
let root: string;

beforeAll(async () => {
  sim = createSimulator({ seed: 1 });
  root = (await sim.listen()).url;
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const openAIBody = (extra: Record<string, unknown> = {}) => ({ model: 'gpt-x', messages: [{ role: 'user', content: 'ping pong' }], ...extra });
const put = (name: string, body: string) => fetch(`${root}/_sim/providers/${name}/faults`, { method: 'PUT', body });

describe('admin API', () => {
  it.each([
    ['{"errorRate": 2}', 'errorRate'],
    ['{"errorStatus": 418}', 'errorStatus'],
    ['{"latencyMs": -1}', 'latencyMs'],
    ['{"chunks": 0}', 'chunks'],
    ['{"hang": "yes"}', 'hang'],
    ['{"errorKind": "gremlins"}', 'errorKind'],
    ['{"bogus": 1}', 'bogus'],
    ['{not json', 'body'],
  ])('answers 400 naming the field for %s', async (body, field) => {
    const res = await put('p', body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(new RegExp(`^${field}\\b|\\b${field}\\b`));
  });

  it('sets, shows and clears faults, defaults filled in', async () => {
    const res = await put('p', '{"errorStatus": 503}');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ provider: 'p', faults: { errorStatus: 503, errorRate: 1, chunks: 4, hang: false } });
    expect(await (await fetch(`${root}/_sim/providers/p/faults`)).json()).toMatchObject({ faults: { errorStatus: 503 } });
    expect((await fetch(`${root}/p/v1/models`)).status).toBe(503);
    expect((await fetch(`${root}/_sim/providers/p/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${root}/p/v1/models`)).status).toBe(200);
  });

  it('counts requests per provider and path, probes separately, and resets', async () => {
    await fetch(`${root}/alpha/v1/chat/completions`, json(openAIBody()));
    await fetch(`${root}/alpha/v1/chat/completions`, json(openAIBody()));
    await fetch(`${root}/alpha/v1/models`);
    await fetch(`${root}/beta/v1beta/models`);
    await fetch(`${root}/beta/v1beta/models/gemini-x:generateContent`, json({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }));
    expect((await fetch(`${root}/beta/nowhere`)).status).toBe(404);
    const stats = (await (await fetch(`${root}/_sim/stats`)).json()) as unknown;
    expect(stats).toEqual({
      providers: {
        alpha: { requests: 3, probes: 1, faults: 0, chunksWritten: 0, byPath: { '/v1/chat/completions': 2, '/v1/models': 1 } },
        beta: {
          requests: 3,
          probes: 1,
          faults: 0,
          chunksWritten: 0,
          byPath: { '/v1beta/models': 1, '/v1beta/models/{model}:generateContent': 1, other: 1 },
        },
      },
    });
    expect((await fetch(`${root}/_sim/reset`, { method: 'POST' })).status).toBe(204);
    expect(sim.stats()).toEqual({ providers: {} });
  });

  it('rejects bad faults given in code, naming the field', () => {
    expect(() => sim.setFaults('p', { errorRate: 3 })).toThrow(/provider-sim faults for "p": errorRate/);
    expect(() => createSimulator({ faults: { q: { chunks: -1 } } })).toThrow(/"q": chunks/);
  });
});

describe('answers', () => {
  it('speaks each wire format on its real path, quoting the last user message', async () => {
    const openai = (await (await fetch(`${root}/n1/v1/chat/completions`, json(openAIBody()))).json()) as Record<string, any>;
    expect(openai).toMatchObject({ object: 'chat.completion', model: 'gpt-x', choices: [{ message: { content: 'Simulated answer from n1 (gpt-x) to: ping pong' }, finish_reason: 'stop' }] });
    expect(openai['usage']).toEqual({ prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 });
    const anthropic = await (await fetch(`${root}/n2/v1/messages`, json({ model: 'c', max_tokens: 50, system: 'sys', messages: [{ role: 'user', content: 'yo' }] }))).json();
    expect(anthropic).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'Simulated answer from n2 (c) to: yo' }], stop_reason: 'end_turn' });
    const gemini = await (await fetch(`${root}/n3/v1beta/models/g-1:generateContent`, json({ contents: [{ role: 'user', parts: [{ text: 'hey' }] }] }))).json();
    expect(gemini).toMatchObject({ candidates: [{ content: { parts: [{ text: 'Simulated answer from n3 (g-1) to: hey' }] }, finishReason: 'STOP' }] });
    const cohere = await (await fetch(`${root}/n4/v2/chat`, json({ model: 'command-r', messages: [{ role: 'user', content: 'hola' }] }))).json();
    expect(cohere).toMatchObject({ finish_reason: 'COMPLETE', message: { content: [{ type: 'text', text: 'Simulated answer from n4 (command-r) to: hola' }] } });
  });

  it('truncates the quoted message to 200 characters', async () => {
    const long = 'x'.repeat(500);
    const res = (await (await fetch(`${root}/n1/v1/chat/completions`, json(openAIBody({ messages: [{ role: 'user', content: long }] })))).json()) as any;
    expect(res.choices[0].message.content).toBe(`Simulated answer from n1 (gpt-x) to: ${'x'.repeat(200)}`);
  });

  it('streams OpenAI chunks ending in [DONE], with the usage chunk only when asked', async () => {
    const withUsage = await (await fetch(`${root}/s/v1/chat/completions`, json(openAIBody({ stream: true, stream_options: { include_usage: true } })))).text();
    expect(withUsage.trim().endsWith('data: [DONE]')).toBe(true);
    expect(withUsage).toContain('"usage":{"prompt_tokens":2');
    const without = await (await fetch(`${root}/s/v1/chat/completions`, json(openAIBody({ stream: true })))).text();
    expect(without).not.toContain('"usage"');
  });

  it('answers one /v1/models body that OpenAI, Anthropic and Cohere probes all accept', async () => {
    const body = (await (await fetch(`${root}/m/v1/models`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ object: 'list', has_more: false });
    expect(Array.isArray(body['data']) && Array.isArray(body['models'])).toBe(true);
  });

  it('streams Gemini only with alt=sse, like the real API would need', async () => {
    const res = await fetch(`${root}/g/v1beta/models/g:streamGenerateContent`, json({ contents: [{ role: 'user', parts: [{ text: 'a' }] }] }));
    expect(res.status).toBe(400);
  });

  it('answers an unreadable request with the provider’s own 400', async () => {
    const res = await fetch(`${root}/n2/v1/messages`, json({ model: 'c', messages: [{ role: 'user', content: 'no max tokens' }] }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
  });
});

describe('faults', () => {
  it('uses each provider’s error shape, and 429 carries Retry-After', async () => {
    sim.setFaults('e', { errorStatus: 529 });
    const anthropic = await fetch(`${root}/e/v1/messages`, json({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'a' }] }));
    expect(anthropic.status).toBe(529);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    sim.setFaults('e', { errorStatus: 429, retryAfterMs: 2500 });
    const openai = await fetch(`${root}/e/v1/chat/completions`, json(openAIBody()));
    expect(openai.headers.get('retry-after')).toBe('3');
    expect(openai.headers.get('retry-after-ms')).toBe('2500');
    expect(await openai.json()).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded' } });
    sim.setFaults('e', { errorStatus: 500 });
    const gemini = await fetch(`${root}/e/v1beta/models/g:generateContent`, json({ contents: [{ role: 'user', parts: [{ text: 'a' }] }] }));
    expect(await gemini.json()).toMatchObject({ error: { code: 500, status: 'INTERNAL' } });
    const cohere = await fetch(`${root}/e/v2/chat`, json({ model: 'c', messages: [{ role: 'user', content: 'a' }] }));
    expect(await cohere.json()).toMatchObject({ message: 'simulated fault: internal server error' });
    expect(sim.stats().providers['e']?.faults).toBe(4);
  });

  it('draws the error rate from the seeded random source, the same way every time', async () => {
    const run = async () => {
      const seeded = createSimulator({ seed: 42, faults: { r: { errorStatus: 500, errorRate: 0.5 } } });
      const { url } = await seeded.listen();
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await fetch(`${url}/r/v1/models`)).status);
      await seeded.close();
      return statuses;
    };
    const first = await run();
    expect(first).toEqual(await run());
    expect(first.filter((s) => s === 500).length).toBeGreaterThan(3);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(3);
  });

  it('checks keys only when configured, each provider its own way', async () => {
    const keyed = createSimulator({ apiKey: 'k-123456' });
    const { url } = await keyed.listen();
    try {
      const body = openAIBody();
      expect((await fetch(`${url}/a/v1/chat/completions`, json(body))).status).toBe(401);
      expect((await fetch(`${url}/a/v1/chat/completions`, json(body, { authorization: 'Bearer k-123456' }))).status).toBe(200);
      const messages = { model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'a' }] };
      expect((await fetch(`${url}/a/v1/messages`, json(messages, { authorization: 'Bearer k-123456' }))).status).toBe(401);
      expect((await fetch(`${url}/a/v1/messages`, json(messages, { 'x-api-key': 'k-123456' }))).status).toBe(200);
      const contents = { contents: [{ role: 'user', parts: [{ text: 'a' }] }] };
      const bad = await fetch(`${url}/a/v1beta/models/g:generateContent`, json(contents, { 'x-goog-api-key': 'nope' }));
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] } });
      expect((await fetch(`${url}/a/v1beta/models/g:generateContent`, json(contents, { 'x-goog-api-key': 'k-123456' }))).status).toBe(200);
      expect((await fetch(`${url}/a/v1/models`, { headers: { 'x-api-key': 'k-123456', 'anthropic-version': '2023-06-01' } })).status).toBe(200);
      expect((await fetch(`${url}/a/v1/models`, { headers: { authorization: 'Bearer k-123456' } })).status).toBe(200);
      expect((await fetch(`${url}/a/v1/models`)).status).toBe(401);
    } finally {
      await keyed.close();
    }
  });

  it('waits latency on the injected clock', async () => {
    const clock = new ManualClock();
    const slow = createSimulator({ clock, faults: { l: { latencyMs: 5000 } } });
    const { url } = await slow.listen();
    try {
      let done = false;
      const pending = fetch(`${url}/l/v1/models`).then((r) => {
        done = true;
        return r.status;
      });
      await vi.waitFor(() => expect(clock.pending).toBe(1));
      clock.advance(4999);
      expect(done).toBe(false);
      clock.advance(1);
      expect(await pending).toBe(200);
    } finally {
      await slow.close();
    }
  });

  it('ends hanging requests on close()', async () => {
    const hung = createSimulator({ faults: { h: { hang: true } } });
    const { url } = await hung.listen();
    const pending = fetch(`${url}/h/v1/models`).then(
      () => 'answered',
      () => 'failed',
    );
    await vi.waitFor(() => expect(hung.stats().providers['h']?.requests).toBe(1));
    await hung.close();
    expect(await pending).toBe('failed');
  });
});

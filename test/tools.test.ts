import { startStack, type Stack } from '@ultra/testkit';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The official `openai` package through Ultra to each of the four provider types (each
 * model below is offered by one provider only): a whole tool round trip (call, result,
 * final answer), plain and streamed, and a json_schema answer. The simulated providers
 * insist on their APIs' rules (ids answered, tool results where they belong), so a wrong
 * translation fails here as it would against the real API.
 */
let stack: Stack;
let openai: OpenAI;

const MODELS = [
  ['openai', 'gpt-4o-mini'],
  ['anthropic', 'claude-3-5-haiku-latest'],
  ['google', 'gemini-2.0-flash'],
  ['cohere', 'command-r'],
] as const;

const weather: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'], additionalProperties: false },
    strict: true,
  },
};

beforeAll(async () => {
  stack = await startStack();
  openai = new OpenAI({ baseURL: `http://127.0.0.1:${stack.ports.routerHttp}/v1`, apiKey: 'not-needed-yet', maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe.each(MODELS)('the openai package, tools and JSON through %s', (provider, model) => {
  const question: ChatCompletionMessageParam = { role: 'user', content: `Weather in Paris via ${provider}?` };

  it('plain: a tool call, its result, then the final answer', async () => {
    const { data: first, response } = await openai.chat.completions.create({ model, messages: [question], tools: [weather], tool_choice: 'required' }).withResponse();
    expect(response.headers.get('x-ultra-provider')).toBe(provider);
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0]!;
    expect(call.type).toBe('function');
    expect(call.id).not.toBe('');
    if (call.type !== 'function') throw new Error('not a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: expect.stringContaining('Weather in Paris'), days: 1 });
    const final = await openai.chat.completions.create({
      model,
      tools: [weather],
      messages: [question, choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temp_c":18}' }],
    });
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(final.choices[0]!.message.content).toContain('tool result: {"temp_c":18}');
  });

  it('streamed: tool-call deltas the SDK accumulates, then the final answer streamed', async () => {
    const stream = openai.chat.completions.stream({ model, messages: [question], tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } });
    let fragments = 0;
    stream.on('tool_calls.function.arguments.delta', () => fragments++);
    const first = await stream.finalChatCompletion();
    const message = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    const call = message.tool_calls![0]!;
    if (call.type !== 'function') throw new Error('not a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toMatchObject({ days: 1 });
    expect(fragments).toBeGreaterThan(0);
    const next = openai.chat.completions.stream({ model, tools: [weather], messages: [question, message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 18 C' }] });
    const final = await next.finalChatCompletion();
    expect(final.choices[0]!.message.content).toContain('tool result: sunny, 18 C');
  });

  it('images: a data: URL image reaches the provider in its own form', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
    const res = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: [{ type: 'text', text: `What is in this image (${provider})?` }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] }],
    });
    expect(res.choices[0]!.message.content).toContain('[saw 1 image]');
  });

  it('images: a photo sent inline as a phone takes it (1.5 MB, a 2 MB body) is answered on the default limits', async () => {
    const photo = Buffer.alloc(1_500_000, 7).toString('base64');
    const res = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: [{ type: 'text', text: `What is in this photo (${provider})?` }, { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${photo}` } }] }],
    });
    expect(res.choices[0]!.message.content).toContain('[saw 1 image]');
  });

  it('json_schema: the answer is JSON that follows the schema', async () => {
    const res = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: `Describe a person (${provider})` }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'person', strict: true, schema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'], additionalProperties: false } },
      },
    });
    const person = JSON.parse(res.choices[0]!.message.content!) as { name: unknown; age: unknown };
    expect(typeof person.name).toBe('string');
    expect(person.age).toBe(1);
  });
});

describe('what is still refused, saying why', () => {
  it.each([
    ['n > 1', { n: 2 }, /n: not supported by Ultra/],
    ['logprobs', { logprobs: true }, /logprobs: not supported by Ultra/],
    ['audio', { audio: { voice: 'alloy', format: 'mp3' }, modalities: ['text', 'audio'] }, /audio: not supported by Ultra/],
  ] as const)('%s', async (_label, extra, message) => {
    const res = await fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], ...extra }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
  });

  it('bad tool input is a 400 naming the path', async () => {
    const post = async (body: Record<string, unknown>) => {
      const res = await fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, message: ((await res.json()) as { error: { message: string } }).error.message };
    };
    expect(await post({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f', parameters: 'nope' } }] })).toEqual({
      status: 400,
      message: expect.stringContaining('tools[0].function.parameters: must be a JSON Schema object'),
    });
    const messages = [
      { role: 'user', content: 'x' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
      { role: 'tool', tool_call_id: 'call_9', content: 'ok' },
    ];
    expect(await post({ model: 'gpt-4o-mini', messages, tools: [{ type: 'function', function: { name: 'f' } }] })).toEqual({
      status: 400,
      message: expect.stringContaining('messages[3].tool_call_id: no earlier assistant tool call has id "call_9"'),
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../simulator.ts';
import { valueFor } from './tool-answer.ts';

let sim: Simulator;
let root: string;

beforeAll(async () => {
  sim = createSimulator({ seed: 1 });
  root = (await sim.listen()).url;
});
afterAll(() => sim.close());

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${root}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
};
const weather = { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] };

describe('simulated answers to tools and JSON', () => {
  it('builds values that follow a schema, JSON Schema or Gemini’s subset', () => {
    expect(valueFor(weather, 'Paris')).toEqual({ city: 'Paris' });
    expect(valueFor({ type: 'OBJECT', properties: { ok: { type: 'BOOLEAN' }, tags: { type: 'ARRAY', items: { enum: ['a', 'b'] } } } }, 'x')).toEqual({ ok: true, tags: ['a'] });
  });

  it.each([
    ['openai', '/p/v1/chat/completions', { model: 'm', tools: [{ type: 'function', function: { name: 'get_weather', parameters: weather } }], messages: [{ role: 'user', content: 'Paris?' }] }, /"finish_reason":"tool_calls"/],
    ['anthropic', '/p/v1/messages', { model: 'm', max_tokens: 10, tools: [{ name: 'get_weather', input_schema: weather }], messages: [{ role: 'user', content: 'Paris?' }] }, /"type":"tool_use".*"stop_reason":"tool_use"/],
    ['gemini', '/p/v1beta/models/m:generateContent', { tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } } } }] }], contents: [{ role: 'user', parts: [{ text: 'Paris?' }] }] }, /"functionCall":\{"name":"get_weather".*"thoughtSignature"/],
    ['cohere', '/p/v2/chat', { model: 'm', tools: [{ type: 'function', function: { name: 'get_weather', parameters: weather } }], messages: [{ role: 'user', content: 'Paris?' }] }, /"finish_reason":"TOOL_CALL".*"tool_calls"/],
  ])('%s: answers with a tool call', async (_wire, path, body, pattern) => {
    const res = await post(path, body);
    expect(res.status, res.text).toBe(200);
    expect(res.text).toMatch(pattern);
  });

  it.each([
    ['openai: a tool call left unanswered', '/p/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'user', content: 'y' }] }, /did not have response messages: c1/],
    ['anthropic: a tool_result for no tool_use', '/p/v1/messages', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'ok' }] }] }, /unexpected `tool_use_id`/],
    ['anthropic: a tool_use not answered in the next turn', '/p/v1/messages', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] }, { role: 'user', content: 'y' }] }, /without `tool_result` blocks immediately after: toolu_1/],
    ['gemini: additionalProperties in a schema', '/p/v1beta/models/m:generateContent', { tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'OBJECT', additionalProperties: false } }] }], contents: [{ role: 'user', parts: [{ text: 'x' }] }] }, /Unknown name \\"additionalProperties\\"/],
    ['gemini: a replayed call without its thought signature', '/p/v1beta/models/m:generateContent', { contents: [{ role: 'user', parts: [{ text: 'x' }] }, { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] }, { role: 'user', parts: [{ functionResponse: { name: 'f', response: { ok: 1 } } }] }] }, /missing a thought_signature/],
    ['cohere: a tool_choice it does not have', '/p/v2/chat', { model: 'm', tools: [{ type: 'function', function: { name: 'f', parameters: {} } }], tool_choice: 'AUTO', messages: [{ role: 'user', content: 'x' }] }, /tool_choice must be one of REQUIRED, NONE/],
  ])('insists like the real API: %s', async (_label, path, body, pattern) => {
    const res = await post(path, body);
    expect(res.status).toBe(400);
    expect(res.text).toMatch(pattern);
  });
});

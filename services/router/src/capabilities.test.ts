import { create } from '@bufbuild/protobuf';
import { ChatRequestSchema, Outcome, ResponseFormatType, Role } from '@ultra/contracts/chat';
import { parseConfig } from '@ultra/config';
import { describe, expect, it } from 'vitest';
import { candidatesFor } from './candidates.ts';
import { honouring, needsOf } from './capabilities.ts';

/** `local` is an OpenAI-compatible server without tools; its `llava` model alone takes images. */
const config = parseConfig(
  `providers:
  primary: [local, openai]
endpoints:
  local:
    type: openai
    base_url: http://127.0.0.1:11434/v1
    models: [llama3, llava]
    capabilities: { tools: false, images: false }
    model_capabilities:
      llava: { images: true }
models:
  chat: { local: llama3, openai: gpt-4o-mini }
  vision: { local: llava, openai: gpt-4o-mini }
`,
  'test.yaml',
  {},
);
const user = { role: Role.USER, content: 'Weather?' };
const tool = { name: 'get_weather', parameters: '{"type":"object"}' };
const image = { role: Role.USER, parts: [{ part: { case: 'image' as const, value: { source: { case: 'url' as const, value: 'https://x/a.png' } } } }] };
const route = (model: string, init: Omit<Parameters<typeof create<typeof ChatRequestSchema>>[1] & object, 'model'>) => {
  const request = create(ChatRequestSchema, { model, ...(init as object) });
  return honouring(config, candidatesFor(config, model), request, model);
};

describe('capability-aware routing', () => {
  it('names what a request needs: tools (also for tool history), json_schema, images', () => {
    expect(needsOf(create(ChatRequestSchema, { messages: [user] }))).toEqual([]);
    const history = create(ChatRequestSchema, { messages: [user, { role: Role.ASSISTANT, toolCalls: [{ id: 'c', name: 'f', arguments: '{}' }] }, { role: Role.TOOL, toolCallId: 'c', content: 'ok' }] });
    expect(needsOf(history)).toEqual(['tools']);
    expect(needsOf(create(ChatRequestSchema, { messages: [image], responseFormat: { type: ResponseFormatType.JSON_OBJECT } }))).toEqual(['json_schema', 'images']);
  });

  it('skips a candidate that cannot honour the request, listing it as SKIPPED with what it lacks', () => {
    const plain = route('chat', { messages: [user] });
    expect(plain.tiers.flat().map((c) => c.provider)).toEqual(['local', 'openai']);
    expect(plain.skipped).toEqual([]);
    const tools = route('chat', { messages: [user], tools: [tool] });
    expect(tools.tiers.flat().map((c) => c.provider)).toEqual(['openai']);
    expect(tools.skipped).toMatchObject([{ provider: 'local', model: 'llama3', outcome: Outcome.SKIPPED, detail: 'tools' }]);
  });

  it('takes a per-model override over the endpoint’s', () => {
    expect(route('vision', { messages: [image] }).tiers.flat().map((c) => c.provider)).toEqual(['local', 'openai']);
    expect(route('chat', { messages: [image] }).skipped).toMatchObject([{ provider: 'local', detail: 'images' }]);
  });

  it('refuses with INVALID_ARGUMENT naming the missing capability when no candidate is left', () => {
    expect(() => route('llama3', { messages: [image], tools: [tool] })).toThrow('model "llama3": no provider can honour this request\'s tools, images: local (llama3) lacks tools, images');
  });
});

import { create } from '@bufbuild/protobuf';
import { ChatRequestSchema, Outcome, ResponseFormatType, Role, ToolChoiceMode } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import { toAnthropicRequest } from './anthropic/request.ts';
import { toCohereRequest } from './cohere/request.ts';
import { toGeminiRequest } from './gemini/request.ts';
import { toGeminiSchema } from './gemini/schema.ts';
import { FOREIGN_CALL_SIGNATURE, geminiCallId } from './gemini/tools.ts';
import { createAdapter } from './registry.ts';
import { rejection } from './testing/support.ts';

const tool = { name: 'get_weather', description: 'Weather', parameters: '{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}' };
const conversation = create(ChatRequestSchema, {
  tools: [tool],
  toolChoice: { mode: ToolChoiceMode.FUNCTION, functionName: 'get_weather' },
  messages: [
    { role: Role.SYSTEM, content: 'Be brief.' },
    { role: Role.USER, content: 'Weather in Paris and Rome?' },
    { role: Role.ASSISTANT, toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }, { id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}', signature: 'sig-2' }] },
    { role: Role.TOOL, toolCallId: 'call_1', content: '{"temp":18}' },
    { role: Role.TOOL, toolCallId: 'call_2', content: 'sunny' },
    { role: Role.USER, content: 'And tomorrow?' },
  ],
});

describe('tool conversations in each provider’s form', () => {
  it('Anthropic: tool_use blocks, then one user turn with both tool_result blocks first and the text after', () => {
    const body = toAnthropicRequest('claude-3-5-haiku-latest', conversation, false);
    expect(body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }, { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '{"temp":18}' }, { type: 'tool_result', tool_use_id: 'call_2', content: 'sunny' }, { type: 'text', text: 'And tomorrow?' }] },
    ]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'get_weather' });
    expect(body.tools?.[0]).toMatchObject({ name: 'get_weather', input_schema: { type: 'object' } });
  });

  it('Anthropic json_schema: output_config on models with structured outputs, a forced tool on older ones', () => {
    const json = create(ChatRequestSchema, { messages: [{ role: Role.USER, content: 'x' }], responseFormat: { type: ResponseFormatType.JSON_SCHEMA, name: 'person', schema: '{"type":"object"}' } });
    expect(toAnthropicRequest('claude-sonnet-4-5', json, false)).toMatchObject({ output_config: { format: { type: 'json_schema', schema: { type: 'object' } } } });
    expect(toAnthropicRequest('claude-sonnet-4-5', json, false).tools).toBeUndefined();
    expect(toAnthropicRequest('claude-3-5-haiku-latest', json, false)).toMatchObject({ tools: [{ name: 'person', input_schema: { type: 'object' } }], tool_choice: { type: 'tool', name: 'person' } });
  });

  it('Gemini: function calls with signatures (a foreign one gets the stand-in), responses named after their calls, schema converted', () => {
    const body = toGeminiRequest(conversation);
    expect(body.contents[1]).toEqual({
      role: 'model',
      parts: [
        { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: FOREIGN_CALL_SIGNATURE },
        { functionCall: { name: 'get_weather', args: { city: 'Rome' } }, thoughtSignature: 'sig-2' },
      ],
    });
    expect(body.contents[2]!.parts.slice(0, 2)).toEqual([
      { functionResponse: { name: 'get_weather', response: { temp: 18 } } },
      { functionResponse: { name: 'get_weather', response: { result: 'sunny' } } },
    ]);
    expect(body.tools![0]!.functionDeclarations[0]!.parameters).toEqual({ type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] });
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
    expect(geminiCallId(0, 'f', '{}')).toBe(geminiCallId(0, 'f', '{}'));
  });

  it('Gemini: converts nullable types and const, refuses $ref naming the path', () => {
    expect(toGeminiSchema({ type: ['string', 'null'], const: 'a' }, 's')).toEqual({ type: 'STRING', nullable: true, enum: ['a'] });
    expect(() => toGeminiSchema({ type: 'object', properties: { x: { $ref: '#/$defs/x' } } }, 'tools[0].parameters')).toThrow(/tools\[0\]\.parameters\.properties\.x\.\$ref: JSON Schema's "\$ref" has no equivalent/);
  });

  it('Gemini: a schema it cannot take is a BAD_REQUEST before any HTTP call', async () => {
    let called = false;
    const adapter = createAdapter({ name: 'g', type: 'gemini', baseUrl: 'http://x', models: [] }, { fetch: async () => ((called = true), new Response('{}')) });
    const request = create(ChatRequestSchema, { messages: [{ role: Role.USER, content: 'x' }], tools: [{ name: 'f', parameters: '{"allOf":[]}' }] });
    const e = await rejection(adapter.complete('gemini-2.0-flash', request, { signal: AbortSignal.timeout(1000) }));
    expect(e.outcome).toBe(Outcome.BAD_REQUEST);
    expect(e.message).toMatch(/tools\[0\]\.parameters\.allOf/);
    expect(called).toBe(false);
  });

  it('Cohere: a forced function is that one tool with REQUIRED; tool messages keep their ids', () => {
    const body = toCohereRequest('command-r', conversation, false);
    expect(body.tool_choice).toBe('REQUIRED');
    expect(body.tools?.map((t) => t.function.name)).toEqual(['get_weather']);
    expect(body.messages[2]).toEqual({ role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }, { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }] });
    expect(body.messages[3]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '{"temp":18}' });
  });
});

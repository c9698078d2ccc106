import { create } from '@bufbuild/protobuf';
import { ChatRequestSchema, ResponseFormatType, Role, ToolChoiceMode, type ChatRequest } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import { validateRequest } from './request-check.ts';

type Init = Parameters<typeof create<typeof ChatRequestSchema>>[1];
const request = (init: Init): ChatRequest => create(ChatRequestSchema, init);
const weather = { name: 'get_weather', description: 'Weather in a city', parameters: '{"type":"object","properties":{"city":{"type":"string"}}}' };
const call = { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };
const conversation = (toolCallId: string) =>
  request({
    tools: [weather],
    messages: [
      { role: Role.USER, content: 'Weather in Paris?' },
      { role: Role.ASSISTANT, toolCalls: [call] },
      { role: Role.TOOL, toolCallId, content: '{"temp":18}' },
    ],
  });
const message = (r: ChatRequest) => {
  try {
    validateRequest(r);
    return 'ok';
  } catch (e) {
    return (e as Error).message;
  }
};

describe('validateRequest with tools, formats and images', () => {
  it('accepts a tool round trip and refuses a tool message answering no earlier call', () => {
    expect(message(conversation('call_1'))).toBe('ok');
    expect(message(conversation('call_9'))).toContain('messages[2].tool_call_id: no earlier assistant tool call has id "call_9"');
  });

  it('names the tool whose schema is not a JSON object, and a tool choice naming no tool', () => {
    expect(message(request({ messages: [{ role: Role.USER, content: 'x' }], tools: [{ ...weather, parameters: '[1]' }] }))).toContain('tools[0].parameters: the JSON Schema must be a JSON object');
    expect(message(request({ messages: [{ role: Role.USER, content: 'x' }], tools: [weather], toolChoice: { mode: ToolChoiceMode.FUNCTION, functionName: 'nope' } }))).toContain(
      'tool_choice.function_name: "nope" is not one of the tools (get_weather)',
    );
    expect(message(request({ messages: [{ role: Role.USER, content: 'x' }], tools: [weather, weather] }))).toContain('tools[1].name: "get_weather" is declared twice');
  });

  it('requires a name and an object schema for json_schema, and a MIME type for image bytes', () => {
    const schema = { type: ResponseFormatType.JSON_SCHEMA, name: 'person', schema: '{"type":"object"}' };
    expect(message(request({ messages: [{ role: Role.USER, content: 'x' }], responseFormat: schema }))).toBe('ok');
    expect(message(request({ messages: [{ role: Role.USER, content: 'x' }], responseFormat: { ...schema, schema: 'nope' } }))).toContain('response_format.schema: the JSON Schema must be JSON text');
    const image = (mimeType: string) => request({ messages: [{ role: Role.USER, parts: [{ part: { case: 'image', value: { source: { case: 'data', value: new Uint8Array([1]) }, mimeType } } }] }] });
    expect(message(image('image/png'))).toBe('ok');
    expect(message(image(''))).toContain('messages[0].parts[0].image.mime_type');
  });
});

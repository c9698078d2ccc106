import { createHash } from 'node:crypto';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { ChatRequestSchema, ResponseFormatType, Role, ToolChoiceMode } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import { cacheKey } from './cache-key.ts';

type Init = MessageInitShape<typeof ChatRequestSchema>;
const key = (init: Init) => cacheKey('chat', create(ChatRequestSchema, { messages: [{ role: Role.USER, content: 'Weather?' }], ...(init as object) }));
const tool = { name: 'get_weather', description: 'Weather', parameters: '{"type":"object"}' };
const image = (bytes: number[]) => ({
  messages: [{ role: Role.USER, parts: [{ part: { case: 'text' as const, value: 'What is this?' } }, { part: { case: 'image' as const, value: { source: { case: 'data' as const, value: new Uint8Array(bytes) }, mimeType: 'image/png' } } }] }],
});

describe('cacheKey', () => {
  it('keeps the key of a plain text request as it was (entries stored before tools existed still match)', () => {
    expect(key({})).toBe(`chat:${createHash('sha256').update(JSON.stringify({ m: 'chat', msg: [[Role.USER, 'Weather?', '']], t: null, p: null, n: null, stop: [], seed: null, pp: null, fp: null })).digest('hex')}`);
    expect(key({ sessionId: 's', priority: 1 })).toBe(key({}));
  });

  it('differs by tools, tool choice, parallel tool calls and response format', () => {
    const keys = [
      key({}),
      key({ tools: [tool] }),
      key({ tools: [{ ...tool, parameters: '{"type":"object","properties":{"city":{"type":"string"}}}' }] }),
      key({ tools: [tool], toolChoice: { mode: ToolChoiceMode.REQUIRED } }),
      key({ tools: [tool], toolChoice: { mode: ToolChoiceMode.FUNCTION, functionName: 'get_weather' } }),
      key({ tools: [tool], parallelToolCalls: false }),
      key({ responseFormat: { type: ResponseFormatType.JSON_OBJECT } }),
      key({ responseFormat: { type: ResponseFormatType.JSON_SCHEMA, name: 'p', schema: '{"type":"object"}' } }),
      key({ responseFormat: { type: ResponseFormatType.JSON_SCHEMA, name: 'p', schema: '{"type":"object","required":["a"]}' } }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('covers tool calls and tool results of earlier turns', () => {
    const turns = (args: string, result: string) =>
      key({
        messages: [
          { role: Role.USER, content: 'Weather?' },
          { role: Role.ASSISTANT, toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: args }] },
          { role: Role.TOOL, toolCallId: 'call_1', content: result },
        ],
      });
    expect(turns('{"city":"Paris"}', '18 C')).not.toBe(turns('{"city":"Rome"}', '18 C'));
    expect(turns('{"city":"Paris"}', '18 C')).not.toBe(turns('{"city":"Paris"}', '25 C'));
  });

  it('covers images by the hash of their bytes', () => {
    expect(key(image([1, 2, 3]))).toBe(key(image([1, 2, 3])));
    expect(key(image([1, 2, 3]))).not.toBe(key(image([1, 2, 4])));
    expect(key(image([1, 2, 3]))).not.toBe(key({ messages: [{ role: Role.USER, content: 'What is this?' }] }));
  });
});

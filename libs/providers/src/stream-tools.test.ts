import { FinishReason, Outcome } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import { createAdapter } from './registry.ts';
import { chat, drain, fakeFetch } from './testing/support.ts';
import type { EndpointType } from './types.ts';

const data = (body: unknown, event?: string) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(body)}\n\n`;
const run = (type: EndpointType, stream: string) =>
  drain(createAdapter({ name: 'p', type, baseUrl: 'http://x/v1', models: [] }, { fetch: fakeFetch(200, 'text/event-stream', stream) }).stream('m', chat('hi'), { signal: AbortSignal.timeout(1000) }));

const openAIStart = data({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] } }] });
const openAIArgs = (a: string) => data({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: a } }] } }] });

describe('streamed tool calls', () => {
  it('OpenAI: pieces pass on as they come; the done answer holds the call whole', async () => {
    const out = await run('openai', openAIStart + openAIArgs('{"city":') + openAIArgs('"Paris"}') + data({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }) + 'data: [DONE]\n\n');
    const pieces = out.events.flatMap((e) => (e.type === 'delta' ? (e.toolCalls ?? []) : []));
    expect(pieces.map((p) => p.arguments)).toEqual(['', '{"city":', '"Paris"}']);
    expect(out.done[0]).toMatchObject({ finishReason: FinishReason.TOOL_CALLS, toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] });
  });

  it('a stream that breaks midway through a tool call is STREAM_BROKEN, never a finished call', async () => {
    const out = await run('openai', openAIStart + openAIArgs('{"city":'));
    expect(out.done).toEqual([]);
    expect(out.error).toMatchObject({ outcome: Outcome.STREAM_BROKEN });
    expect(out.error?.message).toMatch(/part of a tool call/);
  });

  it('Anthropic: tool_use block start and input_json_delta fragments', async () => {
    const e = (type: string, body: Record<string, unknown>) => data({ type, ...body }, type);
    const out = await run(
      'anthropic',
      e('message_start', { message: { id: 'msg_1', model: 'claude', content: [], usage: { input_tokens: 3, output_tokens: 1 } } }) +
        e('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
        e('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Let me look.' } }) +
        e('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} } }) +
        e('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"city": "Pa' } }) +
        e('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: 'ris"}' } }) +
        e('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }) +
        e('message_stop', {}),
    );
    expect(out.deltas.join('')).toBe('Let me look.');
    expect(out.done[0]).toMatchObject({ text: 'Let me look.', finishReason: FinishReason.TOOL_CALLS, toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: '{"city": "Paris"}' }] });
  });

  it('Cohere: tool-call-start and tool-call-delta', async () => {
    const e = (type: string, body: Record<string, unknown>) => data({ type, ...body }, type);
    const out = await run(
      'cohere',
      e('message-start', { id: 'c1' }) +
        e('tool-call-start', { index: 0, delta: { message: { tool_calls: { id: 'get_weather_1', type: 'function', function: { name: 'get_weather', arguments: '' } } } } }) +
        e('tool-call-delta', { index: 0, delta: { message: { tool_calls: { function: { arguments: '{"city":"Paris"}' } } } } }) +
        e('tool-call-end', { index: 0 }) +
        e('message-end', { delta: { finish_reason: 'TOOL_CALL', usage: { tokens: { input_tokens: 1, output_tokens: 2 } } } }),
    );
    expect(out.done[0]).toMatchObject({ finishReason: FinishReason.TOOL_CALLS, toolCalls: [{ id: 'get_weather_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] });
  });
});

import { FinishReason, Outcome } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import { classifyHttpError } from '../classify.ts';
import { createAdapter } from '../registry.ts';
import { chat, drain, fakeFetch, sse, testContext, thrown } from '../testing/support.ts';
import { describeAnthropicError } from './errors.ts';
import { anthropicFinishReason, createAnthropicStreamDecoder, fromAnthropicResponse } from './response.ts';

const ctx = testContext(describeAnthropicError);
const event = (type: string, data: Record<string, unknown> = {}) => sse({ type, ...data }, type);

describe('Anthropic answers', () => {
  it.each([
    ['end_turn', FinishReason.STOP],
    ['stop_sequence', FinishReason.STOP],
    ['max_tokens', FinishReason.LENGTH],
    ['refusal', FinishReason.CONTENT_FILTER],
    ['tool_use', FinishReason.TOOL_CALLS],
    ['something_new', FinishReason.UNSPECIFIED],
  ] as const)('maps stop_reason %s', (reason, expected) => {
    expect(anthropicFinishReason(reason)).toBe(expected);
  });

  it('joins text blocks and counts cache tokens as prompt tokens', () => {
    const c = fromAnthropicResponse(
      {
        id: 'msg_1',
        type: 'message',
        model: 'claude-3-5-haiku-20241022',
        content: [{ type: 'text', text: 'Hello ' }, { type: 'tool_use', id: 't', name: 'x', input: {} }, { type: 'text', text: 'world' }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 10, cache_read_input_tokens: 5, cache_creation_input_tokens: 1, output_tokens: 4 },
      },
      'claude-3-5-haiku-latest',
      ctx,
    );
    expect(c).toMatchObject({ text: 'Hello world', model: 'claude-3-5-haiku-20241022', id: 'msg_1', usage: { promptTokens: 16, completionTokens: 4, totalTokens: 20 } });
  });

  it('assembles a stream, skipping ping, block start/stop and unknown events', () => {
    const d = createAnthropicStreamDecoder('m', ctx);
    const steps = [
      event('message_start', { message: { id: 'msg_2', model: 'claude-x', content: [], usage: { input_tokens: 7, output_tokens: 1 } } }),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      event('ping'),
      event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi' } }),
      event('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } }),
      event('brand_new_event', { whatever: true }),
      event('content_block_stop', { index: 0 }),
      event('message_delta', { delta: { stop_reason: 'refusal', stop_sequence: null }, usage: { output_tokens: 3 } }),
    ].map((e) => d.push(e));
    expect(steps.map((s) => s.text).join('')).toBe('Hi');
    expect(d.push(event('message_stop'))).toEqual({ text: '', end: true });
    expect(d.finish()).toMatchObject({ text: 'Hi', id: 'msg_2', model: 'claude-x', finishReason: FinishReason.CONTENT_FILTER, usage: { promptTokens: 7, completionTokens: 3 } });
  });

  it('classifies an overloaded_error event before any text as OVERLOADED', () => {
    const d = createAnthropicStreamDecoder('m', ctx);
    const e = thrown(() => d.push(sse({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error')));
    expect(e).toMatchObject({ outcome: Outcome.OVERLOADED, providerCode: 'overloaded_error' });
  });

  it('turns an overloaded_error event after text into STREAM_BROKEN', async () => {
    const stream =
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Par"}}\n\n' +
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
    const adapter = createAdapter({ name: 'a', type: 'anthropic', baseUrl: 'http://x', models: [] }, { fetch: fakeFetch(200, 'text/event-stream', stream) });
    const out = await drain(adapter.stream('m', chat('hi'), { signal: AbortSignal.timeout(1000) }));
    expect(out.error).toMatchObject({ outcome: Outcome.STREAM_BROKEN, partialText: 'Par' });
    expect((out.error?.cause as { outcome?: Outcome }).outcome).toBe(Outcome.OVERLOADED);
  });
});

describe('Anthropic error bodies', () => {
  const body = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message } });

  it.each([
    [529, 'overloaded_error', 'Overloaded', Outcome.OVERLOADED],
    [429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', Outcome.RATE_LIMITED],
    [400, 'invalid_request_error', 'prompt is too long: 208310 tokens > 200000 maximum', Outcome.CONTEXT_TOO_LONG],
    [413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.', Outcome.CONTEXT_TOO_LONG],
    [400, 'invalid_request_error', 'Output blocked by content filtering policy', Outcome.CONTENT_REFUSED],
    [400, 'invalid_request_error', 'max_tokens: Field required', Outcome.BAD_REQUEST],
    [401, 'authentication_error', 'invalid x-api-key', Outcome.AUTH_FAILED],
    [403, 'permission_error', 'Your API key does not have permission', Outcome.AUTH_FAILED],
    [500, 'api_error', 'Internal server error', Outcome.SERVER_ERROR],
    [504, 'timeout_error', 'Request timed out', Outcome.TIMEOUT],
  ] as const)('%i %s', (status, type, message, outcome) => {
    expect(classifyHttpError(ctx, status, new Headers(), body(type, message)).outcome).toBe(outcome);
  });

  it('reads the wait from anthropic-ratelimit-*-reset when no retry-after is given', () => {
    const headers = new Headers({
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': new Date(1_700_000_000_000 + 7000).toISOString(),
    });
    expect(classifyHttpError(ctx, 429, headers, body('rate_limit_error', 'slow down')).retryAfterMs).toBe(7000);
  });
});

import { FinishReason, Outcome } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import { classifyHttpError } from '../classify.ts';
import { createAdapter } from '../registry.ts';
import { chat, drain, fakeFetch, sse, testContext, thrown } from '../testing/support.ts';
import { describeCohereError } from './errors.ts';
import { cohereFinishReason, createCohereStreamDecoder, fromCohereResponse } from './response.ts';

const ctx = testContext(describeCohereError);
const reply = (finish: string, usage: unknown) => ({
  id: 'c-1',
  finish_reason: finish,
  message: { role: 'assistant', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: '!' }] },
  usage,
});

describe('Cohere answers', () => {
  it.each([
    ['COMPLETE', FinishReason.STOP],
    ['STOP_SEQUENCE', FinishReason.STOP],
    ['MAX_TOKENS', FinishReason.LENGTH],
    ['TOOL_CALL', FinishReason.TOOL_CALLS],
  ] as const)('maps finish_reason %s', (reason, expected) => {
    expect(cohereFinishReason(reason, ctx)).toBe(expected);
  });

  it('treats finish_reason ERROR and TIMEOUT as failures', () => {
    expect(thrown(() => cohereFinishReason('ERROR', ctx, 'internal')).outcome).toBe(Outcome.SERVER_ERROR);
    expect(thrown(() => cohereFinishReason('TIMEOUT', ctx)).outcome).toBe(Outcome.TIMEOUT);
  });

  it('reads usage.tokens, else usage.billed_units', () => {
    const tokens = { billed_units: { input_tokens: 1, output_tokens: 1 }, tokens: { input_tokens: 8, output_tokens: 2 } };
    expect(fromCohereResponse(reply('COMPLETE', tokens), 'command-r', ctx)).toMatchObject({ text: 'Hi!', model: 'command-r', id: 'c-1', usage: { promptTokens: 8, completionTokens: 2 } });
    const billed = { billed_units: { input_tokens: 5, output_tokens: 3 } };
    expect(fromCohereResponse(reply('COMPLETE', billed), 'command-r', ctx).usage).toMatchObject({ promptTokens: 5, completionTokens: 3 });
  });

  it('assembles a stream from content-delta and message-end', () => {
    const d = createCohereStreamDecoder('command-r', ctx);
    d.push(sse({ type: 'message-start', id: 'c-2', delta: { message: { role: 'assistant', content: [] } } }, 'message-start'));
    d.push(sse({ type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } }, 'content-start'));
    expect(d.push(sse({ type: 'content-delta', index: 0, delta: { message: { content: { text: 'Yo' } } } }, 'content-delta')).text).toBe('Yo');
    d.push(sse({ type: 'content-end', index: 0 }, 'content-end'));
    expect(d.finish()).toBeUndefined();
    const end = sse({ type: 'message-end', delta: { finish_reason: 'MAX_TOKENS', usage: { billed_units: { input_tokens: 2, output_tokens: 1 } } } }, 'message-end');
    expect(d.push(end)).toEqual({ text: '', end: true });
    expect(d.finish()).toMatchObject({ text: 'Yo', id: 'c-2', finishReason: FinishReason.LENGTH, usage: { totalTokens: 3 } });
  });

  it('turns a message-end with ERROR after text into STREAM_BROKEN', async () => {
    const stream =
      'event: content-delta\ndata: {"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Half"}}}}\n\n' +
      'event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"ERROR","error":"internal error"}}\n\n';
    const adapter = createAdapter({ name: 'c', type: 'cohere', baseUrl: 'http://x', models: [] }, { fetch: fakeFetch(200, 'text/event-stream', stream) });
    const out = await drain(adapter.stream('command-r', chat('hi'), { signal: AbortSignal.timeout(1000) }));
    expect(out.error).toMatchObject({ outcome: Outcome.STREAM_BROKEN, partialText: 'Half' });
  });
});

describe('Cohere error bodies', () => {
  it.each([
    [400, 'too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 4292.', Outcome.CONTEXT_TOO_LONG],
    [400, 'too many tokens: size limit exceeded by 11326 tokens.', Outcome.CONTEXT_TOO_LONG],
    [400, 'too many tokens: max tokens must be less than or equal to 4096, the maximum output for this model - received 8192.', Outcome.BAD_REQUEST],
    [400, 'invalid request: message must be at least 1 token long', Outcome.BAD_REQUEST],
    [401, 'invalid api token', Outcome.AUTH_FAILED],
    [429, 'You are using a Trial key, which is limited to 40 API calls / minute.', Outcome.RATE_LIMITED],
    [400, 'blocked output: the request was blocked by the safety guardrails', Outcome.CONTENT_REFUSED],
  ] as const)('%i %s', (status, message, outcome) => {
    expect(classifyHttpError(ctx, status, new Headers(), JSON.stringify({ id: 'x', message })).outcome).toBe(outcome);
  });
});

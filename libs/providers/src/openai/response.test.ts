import { FinishReason, Outcome } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import { classifyHttpError } from '../classify.ts';
import { createAdapter } from '../registry.ts';
import { chat, drain, fakeFetch, sse, testContext, thrown } from '../testing/support.ts';
import { describeOpenAIError } from './errors.ts';
import { createOpenAIStreamDecoder, fromOpenAIResponse, openAIFinishReason } from './response.ts';

const ctx = testContext(describeOpenAIError);
const answer = (message: Record<string, unknown>, finish: string | null = 'stop') => ({
  id: 'c1',
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message, finish_reason: finish }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
});

describe('OpenAI answers', () => {
  it.each([
    ['stop', FinishReason.STOP],
    ['length', FinishReason.LENGTH],
    ['content_filter', FinishReason.CONTENT_FILTER],
    ['tool_calls', FinishReason.TOOL_CALLS],
    ['function_call', FinishReason.TOOL_CALLS],
    [null, FinishReason.UNSPECIFIED],
  ] as const)('maps finish_reason %s', (reason, expected) => {
    expect(openAIFinishReason(reason)).toBe(expected);
  });

  it('reads text, usage, the reported model and id', () => {
    const c = fromOpenAIResponse(answer({ role: 'assistant', content: 'Hi!' }), 'gpt-4o-mini', ctx);
    expect(c).toMatchObject({ text: 'Hi!', finishReason: FinishReason.STOP, model: 'gpt-4o-mini-2024-07-18', id: 'c1' });
    expect(c.usage).toMatchObject({ promptTokens: 3, completionTokens: 2, totalTokens: 5 });
  });

  it('reads a refusal with no content as CONTENT_FILTER', () => {
    expect(fromOpenAIResponse(answer({ content: null, refusal: 'I can’t help with that.' }), 'm', ctx)).toMatchObject({
      text: '',
      finishReason: FinishReason.CONTENT_FILTER,
    });
  });

  it('rejects an answer without choices as MALFORMED_RESPONSE', () => {
    expect(thrown(() => fromOpenAIResponse({ choices: [] }, 'm', ctx)).outcome).toBe(Outcome.MALFORMED_RESPONSE);
  });

  it('completes a stream at [DONE] even without a usage chunk', () => {
    const d = createOpenAIStreamDecoder('m', ctx);
    expect(d.push(sse({ choices: [{ delta: { content: 'a' } }] }))).toEqual({ text: 'a', end: false });
    expect(d.push(sse({ choices: [{ delta: {}, finish_reason: 'length' }] }))).toEqual({ text: '', end: false });
    expect(d.push(sse('[DONE]'))).toEqual({ text: '', end: true });
    expect(d.finish()).toMatchObject({ text: 'a', finishReason: FinishReason.LENGTH, usage: { totalTokens: 0 } });
  });

  it('classifies an error event inside a stream', () => {
    const d = createOpenAIStreamDecoder('m', ctx);
    const e = thrown(() => d.push(sse({ error: { message: 'The server had an error', type: 'server_error' } })));
    expect(e.outcome).toBe(Outcome.SERVER_ERROR);
  });

  it('turns an error event after text into STREAM_BROKEN carrying the partial text', async () => {
    const body = `${sse({ choices: [{ delta: { content: 'Hel' } }] }).data}`;
    const stream = `data: ${body}\n\ndata: {"error":{"message":"overloaded","type":"server_error"}}\n\n`;
    const adapter = createAdapter({ name: 'o', type: 'openai', baseUrl: 'http://x/v1', models: [] }, { fetch: fakeFetch(200, 'text/event-stream', stream) });
    const out = await drain(adapter.stream('m', chat('hi'), { signal: AbortSignal.timeout(1000) }));
    expect(out.deltas).toEqual(['Hel']);
    expect(out.error).toMatchObject({ outcome: Outcome.STREAM_BROKEN, partialText: 'Hel' });
    expect((out.error?.cause as { outcome?: Outcome }).outcome).toBe(Outcome.OVERLOADED);
  });
});

describe('OpenAI and compatible error bodies', () => {
  const classify = (status: number, body: unknown) => classifyHttpError(ctx, status, new Headers(), JSON.stringify(body));

  it.each([
    ['context_length_exceeded', 400, { error: { message: 'maximum context length is 8192 tokens', type: 'invalid_request_error', code: 'context_length_exceeded' } }, Outcome.CONTEXT_TOO_LONG],
    ['Azure content_filter', 400, { error: { message: 'filtered', type: null, code: 'content_filter' } }, Outcome.CONTENT_REFUSED],
    ['invalid_api_key on 401', 401, { error: { message: 'Incorrect API key', code: 'invalid_api_key' } }, Outcome.AUTH_FAILED],
    ['Ollama string error', 404, { error: 'model "llama9" not found, try pulling it first' }, Outcome.BAD_REQUEST],
    ['vLLM top-level message', 400, { object: 'error', message: "This model's maximum context length is 4096 tokens", type: 'BadRequestError', code: 400 }, Outcome.CONTEXT_TOO_LONG],
    ['503 engine overloaded', 503, { error: { message: 'The engine is currently overloaded', type: 'server_error' } }, Outcome.OVERLOADED],
  ] as const)('%s', (_label, status, body, outcome) => {
    const e = classify(status, body);
    expect(e.outcome, e.message).toBe(outcome);
  });

  it('keeps the provider message and code', () => {
    const e = classify(404, { error: 'model "llama9" not found' });
    expect(e.message).toBe('test: bad request (HTTP 404): model "llama9" not found');
  });
});

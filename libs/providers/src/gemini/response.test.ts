import { FinishReason, Outcome } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import { classifyHttpError } from '../classify.ts';
import { sse, testContext, thrown } from '../testing/support.ts';
import { describeGeminiError } from './errors.ts';
import { createGeminiStreamDecoder, fromGeminiResponse, geminiFinishReason } from './response.ts';

const ctx = testContext(describeGeminiError);
const candidate = (parts: unknown[], finishReason?: string) => ({
  candidates: [{ content: { parts, role: 'model' }, index: 0, ...(finishReason ? { finishReason } : {}) }],
});

describe('Gemini answers', () => {
  it.each([
    ['STOP', FinishReason.STOP],
    ['MAX_TOKENS', FinishReason.LENGTH],
    ['SAFETY', FinishReason.CONTENT_FILTER],
    ['RECITATION', FinishReason.CONTENT_FILTER],
    ['BLOCKLIST', FinishReason.CONTENT_FILTER],
    ['PROHIBITED_CONTENT', FinishReason.CONTENT_FILTER],
    ['SPII', FinishReason.CONTENT_FILTER],
    ['OTHER', FinishReason.UNSPECIFIED],
  ] as const)('maps finishReason %s', (reason, expected) => {
    expect(geminiFinishReason(reason)).toBe(expected);
  });

  it('reads text without thought parts, usageMetadata, modelVersion and responseId', () => {
    const c = fromGeminiResponse(
      {
        ...candidate([{ text: 'thinking…', thought: true }, { text: 'Hello' }, { text: ' there' }], 'STOP'),
        usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, thoughtsTokenCount: 3, totalTokenCount: 9 },
        modelVersion: 'gemini-2.0-flash-001',
        responseId: 'r1',
      },
      'gemini-2.0-flash',
      ctx,
    );
    expect(c).toMatchObject({ text: 'Hello there', model: 'gemini-2.0-flash-001', id: 'r1', usage: { promptTokens: 4, completionTokens: 5, totalTokens: 9 } });
  });

  it('refuses a blocked prompt with CONTENT_REFUSED', () => {
    const e = thrown(() => fromGeminiResponse({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } }, 'm', ctx));
    expect(e).toMatchObject({ outcome: Outcome.CONTENT_REFUSED, providerCode: 'PROHIBITED_CONTENT' });
  });

  it('completes a stream only once a finishReason has come', () => {
    const d = createGeminiStreamDecoder('m', ctx);
    expect(d.push(sse(candidate([{ text: 'a' }])))).toEqual({ text: 'a', end: false });
    expect(d.finish()).toBeUndefined();
    d.push(sse({ ...candidate([{ text: 'b' }], 'MAX_TOKENS'), usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 2, totalTokenCount: 3 } }));
    expect(d.finish()).toMatchObject({ text: 'ab', finishReason: FinishReason.LENGTH, usage: { totalTokens: 3 } });
  });
});

describe('Gemini error bodies', () => {
  const body = (code: number, status: string, message: string, details: unknown[] = []) => JSON.stringify({ error: { code, status, message, details } });

  it('takes a bad key (400 API_KEY_INVALID) as AUTH_FAILED', () => {
    const text = body(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' },
    ]);
    expect(classifyHttpError(ctx, 400, new Headers(), text)).toMatchObject({ outcome: Outcome.AUTH_FAILED, providerCode: 'API_KEY_INVALID' });
  });

  it('reads RetryInfo.retryDelay on RESOURCE_EXHAUSTED', () => {
    const text = body(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '25s' }]);
    expect(classifyHttpError(ctx, 429, new Headers(), text)).toMatchObject({ outcome: Outcome.RATE_LIMITED, retryAfterMs: 25_000 });
  });

  it.each([
    [400, 'INVALID_ARGUMENT', 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).', Outcome.CONTEXT_TOO_LONG],
    [503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.', Outcome.OVERLOADED],
    [503, 'UNAVAILABLE', 'The service is currently unavailable.', Outcome.SERVER_ERROR],
    [403, 'PERMISSION_DENIED', 'Permission denied', Outcome.AUTH_FAILED],
    [504, 'DEADLINE_EXCEEDED', 'Deadline exceeded', Outcome.TIMEOUT],
    [404, 'NOT_FOUND', 'models/nope is not found', Outcome.BAD_REQUEST],
  ] as const)('%i %s: %s', (code, status, message, outcome) => {
    expect(classifyHttpError(ctx, code, new Headers(), body(code, status, message)).outcome).toBe(outcome);
  });
});

import { isRecord } from '@ultra/core';
import { faultText, optionalCount, readMessages, retryAfterHeader, waitOf } from './common.ts';
import { geminiCallParts, readGeminiTools } from './gemini-tools.ts';
import type { Reply, SimError, SimWire } from './types.ts';

const STATUS_NAME: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  408: 'DEADLINE_EXCEEDED',
  413: 'INVALID_ARGUMENT',
  422: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
  529: 'UNAVAILABLE',
};

const errorReply = (status: number, message: string, details: unknown[] = [], headers: Record<string, string> = {}): Reply => ({
  status,
  body: { error: { code: status, message, status: STATUS_NAME[status] ?? 'UNKNOWN', ...(details.length ? { details } : {}) } },
  headers,
});

function error(e: SimError): Reply {
  const headers = retryAfterHeader(e.status, e.retryAfterMs);
  if (e.kind === 'context_length') {
    return errorReply(e.status, `The input token count (${e.promptTokens + 1048576}) exceeds the maximum number of tokens allowed (1048576).`);
  }
  if (e.kind === 'content_filter') {
    const body = {
      promptFeedback: { blockReason: 'SAFETY', safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH' }] },
      usageMetadata: { promptTokenCount: e.promptTokens, totalTokenCount: e.promptTokens },
      modelVersion: 'provider-sim',
    };
    return { status: 200, body, headers: {} };
  }
  if (e.kind === 'overloaded') return errorReply(e.status, 'The model is overloaded. Please try again later.', [], headers);
  const wait = waitOf(e.status, e.retryAfterMs);
  const details =
    e.status === 429 && wait !== undefined
      ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${(wait / 1000).toFixed(3).replace(/\.?0+$/, '')}s` }]
      : [];
  return errorReply(e.status, faultText(e.status), details, headers);
}

/** The Gemini API, as `models/{model}:generateContent` and `:streamGenerateContent?alt=sse` answer. */
export const geminiSimWire: SimWire = {
  idPrefix: 'sim-',
  overloadedStatus: 503,
  authorized: (headers, key, url) => headers['x-goog-api-key'] === key || url.searchParams.get('key') === key,
  unauthorized: () =>
    errorReply(400, 'API key not valid. Please pass a valid API key.', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
    ]),
  readRequest(body, pathModel, streamPath) {
    if (!isRecord(body)) return 'the body must be a JSON object';
    const contents = Array.isArray(body['contents'])
      ? body['contents'].map((c: unknown) => (isRecord(c) ? { role: c['role'] ?? 'user', content: c['parts'] } : c))
      : body['contents'];
    const messages = readMessages(contents, 'contents');
    if (typeof messages === 'string') return messages;
    const config = isRecord(body['generationConfig']) ? body['generationConfig'] : {};
    const maxTokens = optionalCount(config['maxOutputTokens'], 'generationConfig.maxOutputTokens');
    if (typeof maxTokens === 'string') return maxTokens;
    const system = isRecord(body['systemInstruction']) ? readMessages([{ role: 'system', content: body['systemInstruction']['parts'] }], 'systemInstruction') : [];
    if (typeof system === 'string') return system;
    const tools = readGeminiTools(body);
    if (typeof tools === 'string') return tools;
    return {
      tools,
      model: pathModel ?? '',
      messages: [...system, ...messages.map((m) => ({ role: m.role === 'model' ? 'assistant' : m.role, content: m.content }))],
      stream: streamPath,
      maxTokens,
    };
  },
  completion: (a) => ({
    candidates: [{ content: { parts: a.toolCalls ? geminiCallParts(a) : [{ text: a.text }], role: 'model' }, finishReason: a.truncated ? 'MAX_TOKENS' : 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: a.promptTokens, candidatesTokenCount: a.completionTokens, totalTokenCount: a.promptTokens + a.completionTokens },
    modelVersion: a.model,
    responseId: a.id,
  }),
  stream(a) {
    const event = (text: string, last: boolean, parts: unknown[] = [{ text }]) => ({
      data: JSON.stringify({
        candidates: [{ content: { parts, role: 'model' }, index: 0, ...(last ? { finishReason: a.truncated ? 'MAX_TOKENS' : 'STOP' } : {}) }],
        usageMetadata: last
          ? { promptTokenCount: a.promptTokens, candidatesTokenCount: a.completionTokens, totalTokenCount: a.promptTokens + a.completionTokens }
          : { promptTokenCount: a.promptTokens, totalTokenCount: a.promptTokens },
        modelVersion: a.model,
        responseId: a.id,
      }),
    });
    const calls = a.toolCalls ? [event('', false, geminiCallParts(a))] : [];
    return { head: [], chunk: (piece) => event(piece, false), tail: [...calls, event('', true)] };
  },
  error,
  badRequest: (reason) => errorReply(400, reason),
};

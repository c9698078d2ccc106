import { isRecord } from '@ultra/core';
import { bearerOf, faultText, hasBearer, maskKey, optionalCount, readMessages, retryAfterHeader, waitOf } from './common.ts';
import { openAIToolDeltas, openAIToolMessage, readOpenAITools } from './openai-tools.ts';
import type { Reply, SimError, SimWire } from './types.ts';

const TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  413: 'invalid_request_error',
  422: 'invalid_request_error',
  429: 'requests',
};

const errorReply = (status: number, message: string, type: string, code: string | null, headers: Record<string, string> = {}): Reply => ({
  status,
  body: { error: { message, type, param: null, code } },
  headers,
});

function error(e: SimError): Reply {
  if (e.kind === 'context_length') {
    const message = `This model's maximum context length is 128000 tokens. However, your messages resulted in ${e.promptTokens + 128000} tokens. Please reduce the length of the messages.`;
    return errorReply(e.status, message, 'invalid_request_error', 'context_length_exceeded');
  }
  if (e.kind === 'content_filter') {
    const message = "The response was filtered due to the prompt triggering the content management policy. Please modify your prompt and retry.";
    return errorReply(e.status, message, 'invalid_request_error', 'content_filter');
  }
  if (e.kind === 'overloaded') {
    return errorReply(e.status, 'The engine is currently overloaded, please try again later.', 'server_error', null, retryAfterHeader(e.status, e.retryAfterMs));
  }
  const headers = retryAfterHeader(e.status, e.retryAfterMs);
  const wait = waitOf(e.status, e.retryAfterMs);
  if (e.status === 429 && wait !== undefined) {
    Object.assign(headers, {
      'retry-after-ms': String(wait),
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': `${wait}ms`,
    });
  }
  const code = e.status === 429 ? 'rate_limit_exceeded' : null;
  return errorReply(e.status, faultText(e.status), TYPE_BY_STATUS[e.status] ?? 'server_error', code, headers);
}

/** OpenAI Chat Completions, as `POST /v1/chat/completions` answers. */
export const openAISimWire: SimWire = {
  idPrefix: 'chatcmpl-sim-',
  overloadedStatus: 503,
  authorized: (headers, key) => hasBearer(headers, key),
  unauthorized: (headers) =>
    errorReply(401, `Incorrect API key provided: ${maskKey(bearerOf(headers))}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key'),
  readRequest(body) {
    if (!isRecord(body)) return 'the body must be a JSON object';
    if (typeof body['model'] !== 'string' || body['model'] === '') return 'model: required';
    const messages = readMessages(body['messages'], 'messages');
    if (typeof messages === 'string') return messages;
    const maxTokens = optionalCount(body['max_completion_tokens'] ?? body['max_tokens'], 'max_tokens');
    if (typeof maxTokens === 'string') return maxTokens;
    const options = body['stream_options'];
    const tools = readOpenAITools(body);
    if (typeof tools === 'string') return tools;
    return {
      tools,
      model: body['model'],
      messages,
      stream: body['stream'] === true,
      maxTokens,
      includeUsage: isRecord(options) && options['include_usage'] === true,
    };
  },
  completion: (a) => ({
    id: a.id,
    object: 'chat.completion',
    created: a.created,
    model: a.model,
    choices: [
      a.toolCalls
        ? { index: 0, message: openAIToolMessage(a), logprobs: null, finish_reason: 'tool_calls' }
        : { index: 0, message: { role: 'assistant', content: a.text, refusal: null }, logprobs: null, finish_reason: a.truncated ? 'length' : 'stop' },
    ],
    usage: { prompt_tokens: a.promptTokens, completion_tokens: a.completionTokens, total_tokens: a.promptTokens + a.completionTokens },
    system_fingerprint: 'fp_provider_sim',
  }),
  stream(a) {
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
      data: JSON.stringify({ id: a.id, object: 'chat.completion.chunk', created: a.created, model: a.model, choices, ...extra }),
    });
    const usage = { prompt_tokens: a.promptTokens, completion_tokens: a.completionTokens, total_tokens: a.promptTokens + a.completionTokens };
    return {
      head: [chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }])],
      chunk: (piece) => chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]),
      tail: [
        ...openAIToolDeltas(a).map((calls) => chunk([{ index: 0, delta: { tool_calls: calls }, finish_reason: null }])),
        chunk([{ index: 0, delta: {}, finish_reason: a.toolCalls ? 'tool_calls' : a.truncated ? 'length' : 'stop' }]),
        ...(a.includeUsage ? [chunk([], { usage })] : []),
        { data: '[DONE]' },
      ],
    };
  },
  error,
  badRequest: (reason) => errorReply(400, reason, 'invalid_request_error', null),
};

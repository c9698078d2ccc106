import { isRecord } from '@ultra/core';
import { contentText, faultText, optionalCount, readMessages, retryAfterHeader, waitOf } from './common.ts';
import { anthropicToolBlocks, readAnthropicTools } from './anthropic-tools.ts';
import type { Reply, SimError, SimWire } from './types.ts';

const TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const errorBody = (type: string, message: string) => ({ type: 'error', error: { type, message }, request_id: 'req_provider_sim' });
const errorReply = (status: number, type: string, message: string, headers: Record<string, string> = {}): Reply => ({
  status,
  body: errorBody(type, message),
  headers,
});

function error(e: SimError): Reply {
  const headers = retryAfterHeader(e.status, e.retryAfterMs);
  if (e.kind === 'context_length') {
    const type = e.status === 413 ? 'request_too_large' : 'invalid_request_error';
    return errorReply(e.status, type, `prompt is too long: ${e.promptTokens + 200000} tokens > 200000 maximum`);
  }
  if (e.kind === 'content_filter') return errorReply(e.status, 'invalid_request_error', 'Output blocked by content filtering policy');
  if (e.kind === 'overloaded') return errorReply(e.status, 'overloaded_error', 'Overloaded', headers);
  const wait = waitOf(e.status, e.retryAfterMs);
  if (e.status === 429 && wait !== undefined) {
    headers['anthropic-ratelimit-requests-remaining'] = '0';
    headers['anthropic-ratelimit-requests-reset'] = new Date(e.nowMs + wait).toISOString();
  }
  return errorReply(e.status, TYPE_BY_STATUS[e.status] ?? 'api_error', faultText(e.status), headers);
}

/** Anthropic's Messages API, as `POST /v1/messages` answers. */
export const anthropicSimWire: SimWire = {
  idPrefix: 'msg_sim_',
  overloadedStatus: 529,
  authorized: (headers, key) => headers['x-api-key'] === key,
  unauthorized: () => errorReply(401, 'authentication_error', 'invalid x-api-key'),
  readRequest(body) {
    if (!isRecord(body)) return 'the body must be a JSON object';
    if (typeof body['model'] !== 'string' || body['model'] === '') return 'model: Field required';
    const maxTokens = optionalCount(body['max_tokens'], 'max_tokens');
    if (maxTokens === undefined) return 'max_tokens: Field required';
    if (typeof maxTokens === 'string') return maxTokens;
    const messages = readMessages(body['messages'], 'messages');
    if (typeof messages === 'string') return messages;
    const system = body['system'] === undefined ? undefined : contentText(body['system']);
    const tools = readAnthropicTools(body);
    if (typeof tools === 'string') return tools;
    return {
      tools,
      model: body['model'],
      messages: system ? [{ role: 'system', content: system }, ...messages] : messages,
      stream: body['stream'] === true,
      maxTokens,
    };
  },
  completion: (a) => ({
    id: a.id,
    type: 'message',
    role: 'assistant',
    model: a.model,
    content: a.toolCalls ? anthropicToolBlocks(a) : [{ type: 'text', text: a.text }],
    stop_reason: a.toolCalls ? 'tool_use' : a.truncated ? 'max_tokens' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: a.promptTokens, output_tokens: a.completionTokens },
  }),
  stream(a) {
    const event = (type: string, data: Record<string, unknown>) => ({ event: type, data: JSON.stringify({ type, ...data }) });
    const message = { id: a.id, type: 'message', role: 'assistant', model: a.model, content: [], stop_reason: null, stop_sequence: null };
    if (a.toolCalls) {
      const blocks = anthropicToolBlocks(a).flatMap((b, index) => {
        const json = JSON.stringify(b.input);
        const half = Math.ceil(json.length / 2);
        return [
          event('content_block_start', { index, content_block: { ...b, input: {} } }),
          event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } }),
          event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: json.slice(0, half) } }),
          event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: json.slice(half) } }),
          event('content_block_stop', { index }),
        ];
      });
      return {
        head: [event('message_start', { message: { ...message, usage: { input_tokens: a.promptTokens, output_tokens: 1 } } }), event('ping', {})],
        chunk: (piece) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } }),
        tail: [...blocks, event('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: a.completionTokens } }), event('message_stop', {})],
      };
    }
    return {
      head: [
        event('message_start', { message: { ...message, usage: { input_tokens: a.promptTokens, output_tokens: 1 } } }),
        event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        event('ping', {}),
      ],
      chunk: (piece) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } }),
      tail: [
        event('content_block_stop', { index: 0 }),
        event('message_delta', {
          delta: { stop_reason: a.truncated ? 'max_tokens' : 'end_turn', stop_sequence: null },
          usage: { output_tokens: a.completionTokens },
        }),
        event('message_stop', {}),
      ],
    };
  },
  error,
  badRequest: (reason) => errorReply(400, 'invalid_request_error', reason),
};

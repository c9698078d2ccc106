import { isRecord } from '@ultra/core';
import { faultText, hasBearer, optionalCount, readMessages, retryAfterHeader } from './common.ts';
import { cohereToolCalls, readCohereTools } from './cohere-tools.ts';
import type { Reply, SimError, SimWire } from './types.ts';

const errorReply = (status: number, message: string, headers: Record<string, string> = {}): Reply => ({
  status,
  body: { id: 'provider-sim', message },
  headers,
});

function error(e: SimError): Reply {
  const headers = retryAfterHeader(e.status, e.retryAfterMs);
  if (e.kind === 'context_length') {
    return errorReply(
      e.status,
      `too many tokens: total number of tokens in the prompt cannot exceed 128000 - received ${e.promptTokens + 128000}. Try using a shorter prompt, or enabling prompt truncating.`,
    );
  }
  if (e.kind === 'content_filter') return errorReply(e.status, 'blocked output: the request was blocked by the safety guardrails');
  if (e.kind === 'overloaded') return errorReply(e.status, 'the model is overloaded, please try again later', headers);
  if (e.status === 429) return errorReply(429, 'You are past the per minute request limit, please wait and try again later.', headers);
  return errorReply(e.status, faultText(e.status), headers);
}

/** Cohere's Chat v2, as `POST /v2/chat` answers. */
export const cohereSimWire: SimWire = {
  idPrefix: 'sim-',
  overloadedStatus: 503,
  authorized: (headers, key) => hasBearer(headers, key),
  unauthorized: () => errorReply(401, 'invalid api token'),
  readRequest(body) {
    if (!isRecord(body)) return 'the body must be a JSON object';
    if (typeof body['model'] !== 'string' || body['model'] === '') return 'invalid request: model must be specified';
    const messages = readMessages(body['messages'], 'messages');
    if (typeof messages === 'string') return `invalid request: ${messages}`;
    const maxTokens = optionalCount(body['max_tokens'], 'max_tokens');
    if (typeof maxTokens === 'string') return `invalid request: ${maxTokens}`;
    const tools = readCohereTools(body);
    if (typeof tools === 'string') return tools;
    return { model: body['model'], messages, stream: body['stream'] === true, maxTokens, tools };
  },
  completion: (a) => ({
    id: a.id,
    finish_reason: a.toolCalls ? 'TOOL_CALL' : a.truncated ? 'MAX_TOKENS' : 'COMPLETE',
    message: a.toolCalls
      ? { role: 'assistant', tool_plan: 'I will call the tool.', tool_calls: cohereToolCalls(a) }
      : { role: 'assistant', content: [{ type: 'text', text: a.text }] },
    usage: usage(a.promptTokens, a.completionTokens),
  }),
  stream(a) {
    const event = (type: string, data: Record<string, unknown>) => ({ event: type, data: JSON.stringify({ type, ...data }) });
    if (a.toolCalls) {
      const calls = cohereToolCalls(a).flatMap((c, index) => [
        event('tool-call-start', { index, delta: { message: { tool_calls: { ...c, function: { name: c.function.name, arguments: '' } } } } }),
        event('tool-call-delta', { index, delta: { message: { tool_calls: { function: { arguments: c.function.arguments } } } } }),
        event('tool-call-end', { index }),
      ]);
      return {
        head: [event('message-start', { id: a.id, delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } }), event('tool-plan-delta', { delta: { message: { tool_plan: 'I will call the tool.' } } })],
        chunk: (piece) => event('content-delta', { index: 0, delta: { message: { content: { text: piece } } } }),
        tail: [...calls, event('message-end', { delta: { finish_reason: 'TOOL_CALL', usage: usage(a.promptTokens, a.completionTokens) } })],
      };
    }
    return {
      head: [
        event('message-start', { id: a.id, delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } }),
        event('content-start', { index: 0, delta: { message: { content: { type: 'text', text: '' } } } }),
      ],
      chunk: (piece) => event('content-delta', { index: 0, delta: { message: { content: { text: piece } } } }),
      tail: [
        event('content-end', { index: 0 }),
        event('message-end', { delta: { finish_reason: a.truncated ? 'MAX_TOKENS' : 'COMPLETE', usage: usage(a.promptTokens, a.completionTokens) } }),
      ],
    };
  },
  error,
  badRequest: (reason) => errorReply(400, reason),
};

function usage(input: number, output: number) {
  return { billed_units: { input_tokens: input, output_tokens: output }, tokens: { input_tokens: input, output_tokens: output } };
}

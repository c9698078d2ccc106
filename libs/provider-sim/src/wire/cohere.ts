import { faultText, hasBearer, isRecord, optionalCount, readMessages, retryAfterHeader } from './common.ts';
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
    return { model: body['model'], messages, stream: body['stream'] === true, maxTokens };
  },
  completion: (a) => ({
    id: a.id,
    finish_reason: a.truncated ? 'MAX_TOKENS' : 'COMPLETE',
    message: { role: 'assistant', content: [{ type: 'text', text: a.text }] },
    usage: usage(a.promptTokens, a.completionTokens),
  }),
  stream(a) {
    const event = (type: string, data: Record<string, unknown>) => ({ event: type, data: JSON.stringify({ type, ...data }) });
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

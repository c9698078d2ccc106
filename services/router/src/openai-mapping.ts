import { create } from '@bufbuild/protobuf';
import {
  CachePolicy,
  ChatRequestSchema,
  FinishReason,
  Priority,
  ServedFrom,
  type ChatAnswer,
  type ChatRequest,
  type ToolCallDelta,
} from '@ultra/contracts/chat';
import { formatAttempts } from '@ultra/runtime';
import { modeHeaders } from './mode-headers.ts';
import { BadRequestError } from './bad-request.ts';
import { isObject, toMessage } from './openai-messages.ts';
import { toParallelToolCalls, toResponseFormat, toToolChoice, toTools } from './openai-tools.ts';

export { BadRequestError };

const PRIORITIES: Record<string, Priority> = { high: Priority.HIGH, normal: Priority.NORMAL, low: Priority.LOW, batch: Priority.BATCH };
const CACHE: Record<string, CachePolicy> = { 'no-store': CachePolicy.NO_STORE, 'no-cache': CachePolicy.NO_CACHE, 'stale-ok': CachePolicy.STALE_OK };


function num(body: Record<string, unknown>, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequestError(`${field}: expected a number, got ${JSON.stringify(v)}`, field);
  return v;
}

/** `stop`, read into a list: absent or null is none, a string is one. */
function stopsOf(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s): s is string => typeof s === 'string')) return v;
  throw new BadRequestError('stop: expected a string or a list of strings', 'stop');
}

const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);

/**
 * Chat Completions parameters that change what the answer is, which Ultra's chat contract
 * does not carry to providers: each is refused with a 400 naming it, unless it has its
 * neutral value, rather than dropped so that the caller gets an answer it did not ask for
 * (one choice for `n: 3`, no log probabilities). Parameters that only shape delivery
 * (`stream_options`, `store`, `metadata`, `service_tier`, `user`) are accepted.
 */
const UNSUPPORTED: ReadonlyArray<[field: string, neutral: (v: unknown) => boolean, why: string]> = [
  ['n', (v) => v === undefined || v === null || v === 1, 'Ultra returns one choice per request; send n requests (each may be answered by another provider)'],
  ['functions', empty, 'the deprecated functions parameter is not carried; send tools'],
  ['function_call', (v) => empty(v) || v === 'none', 'the deprecated function_call parameter is not carried; send tool_choice'],
  ['logprobs', (v) => empty(v) || v === false, 'log probabilities are not carried back from providers'],
  ['top_logprobs', (v) => empty(v) || v === 0, 'log probabilities are not carried back from providers'],
  ['logit_bias', empty, 'logit bias is not carried to providers'],
  ['audio', empty, 'audio output is not supported'],
  ['modalities', (v) => empty(v) || (Array.isArray(v) && v.every((m) => m === 'text')), 'only text output is supported'],
  ['prediction', empty, 'predicted outputs are not carried to providers'],
];

/** Maps an OpenAI Chat Completions body and Ultra's `x-ultra-*` headers to a ChatRequest. */
export function toChatRequest(body: unknown, headers: Record<string, string | string[] | undefined>): ChatRequest {
  if (!isObject(body)) throw new BadRequestError('the body must be a JSON object', null);
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const model = body['model'];
  if (model !== undefined && typeof model !== 'string') throw new BadRequestError('model: expected a string', 'model');
  if (!Array.isArray(body['messages'])) throw new BadRequestError('messages: expected a list of messages', 'messages');
  for (const [field, neutral, why] of UNSUPPORTED) {
    if (!neutral(body[field])) throw new BadRequestError(`${field}: not supported by Ultra (${why}), got ${JSON.stringify(body[field]).slice(0, 80)}`, field);
  }
  const messages = body['messages'].map(toMessage);
  const toolChoice = toToolChoice(body['tool_choice']);
  const responseFormat = toResponseFormat(body['response_format']);
  const maxTokens = num(body, 'max_completion_tokens') ?? num(body, 'max_tokens');
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) {
    throw new BadRequestError(`max_tokens: must be a whole number of at least 1, got ${maxTokens}`, 'max_tokens');
  }
  const stop = stopsOf(body['stop']);
  const seed = num(body, 'seed');
  const priority = header('x-ultra-priority');
  if (priority !== undefined && !(priority in PRIORITIES)) {
    throw new BadRequestError(`x-ultra-priority: must be high, normal, low or batch, got "${priority}"`, null);
  }
  const cache = header('x-ultra-cache');
  if (cache !== undefined && !(cache in CACHE)) {
    throw new BadRequestError(`x-ultra-cache: must be no-store, no-cache or stale-ok, got "${cache}"`, null);
  }
  const temperature = num(body, 'temperature');
  const topP = num(body, 'top_p');
  const presencePenalty = num(body, 'presence_penalty');
  const frequencyPenalty = num(body, 'frequency_penalty');
  return create(ChatRequestSchema, {
    model: model ?? '',
    messages,
    sampling: {
      ...(temperature !== undefined ? { temperature } : {}),
      ...(topP !== undefined ? { topP } : {}),
      ...(maxTokens !== undefined ? { maxTokens } : {}),
      ...(presencePenalty !== undefined ? { presencePenalty } : {}),
      ...(frequencyPenalty !== undefined ? { frequencyPenalty } : {}),
      ...(seed !== undefined ? { seed: BigInt(Math.trunc(seed)) } : {}),
      stop,
    },
    sessionId: header('x-ultra-session') ?? (typeof body['user'] === 'string' ? body['user'] : ''),
    priority: priority ? PRIORITIES[priority]! : Priority.UNSPECIFIED,
    cachePolicy: cache ? CACHE[cache]! : CachePolicy.UNSPECIFIED,
    tools: toTools(body['tools']),
    ...(toolChoice ? { toolChoice } : {}),
    ...toParallelToolCalls(body['parallel_tool_calls']),
    ...(responseFormat ? { responseFormat } : {}),
  });
}

const FINISH: Record<number, string> = {
  [FinishReason.STOP]: 'stop',
  [FinishReason.LENGTH]: 'length',
  [FinishReason.CONTENT_FILTER]: 'content_filter',
  [FinishReason.TOOL_CALLS]: 'tool_calls',
};

export const finishReasonName = (r: FinishReason) => FINISH[r] ?? 'stop';

/** The `x-ultra-*` response headers for an answer. */
export function ultraHeaders(answer: ChatAnswer): Record<string, string> {
  const served =
    answer.servedFrom === ServedFrom.STALE_CACHE ? 'stale-cache' : answer.servedFrom === ServedFrom.CACHE ? 'cache' : answer.servedFrom === ServedFrom.QUEUE ? 'queue' : 'provider';
  const headers: Record<string, string> = {
    ...(answer.provider ? { 'x-ultra-provider': answer.provider } : {}),
    'x-ultra-served-from': served,
    ...modeHeaders(answer.mode, answer.notice),
  };
  if (answer.attempts.length > 0) headers['x-ultra-attempts'] = formatAttempts(answer.attempts);
  if (answer.jobId) headers['x-ultra-job-id'] = answer.jobId;
  return headers;
}

/** An OpenAI `chat.completion` body for an answer. */
export function toCompletionBody(answer: ChatAnswer) {
  return {
    id: answer.id || `chatcmpl-${answer.provider}`,
    object: 'chat.completion',
    created: Number(answer.created),
    model: answer.model,
    choices: [{ index: 0, message: toAssistantMessage(answer), logprobs: null, finish_reason: finishReasonName(answer.finishReason) }],
    usage: {
      prompt_tokens: answer.usage?.promptTokens ?? 0,
      completion_tokens: answer.usage?.completionTokens ?? 0,
      total_tokens: answer.usage?.totalTokens ?? 0,
    },
  };
}

/** Google's OpenAI-compatible place for Gemini's thought signature, so that the SDK hands it back on the next turn. */
const extraContent = (signature: string) => (signature ? { extra_content: { google: { thought_signature: signature } } } : {});

/** The answer's `choices[0].message`: text (null when there are only tool calls) and `tool_calls`. */
function toAssistantMessage(answer: ChatAnswer) {
  if (answer.toolCalls.length === 0) return { role: 'assistant', content: answer.text, refusal: null };
  return {
    role: 'assistant',
    content: answer.text === '' ? null : answer.text,
    refusal: null,
    tool_calls: answer.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments }, ...extraContent(c.signature) })),
  };
}

/** A stream chunk's `delta.tool_calls`: the first piece of a call has its id, type and name; later ones the argument fragments. */
export function toToolCallChunks(pieces: readonly ToolCallDelta[]) {
  return pieces.map((p) => ({
    index: p.index,
    ...(p.id ? { id: p.id, type: 'function' } : {}),
    function: { ...(p.name ? { name: p.name } : {}), arguments: p.arguments },
    ...extraContent(p.signature),
  }));
}

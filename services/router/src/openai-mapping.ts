import { create } from '@bufbuild/protobuf';
import {
  CachePolicy,
  ChatRequestSchema,
  FinishReason,
  Priority,
  Role,
  ServedFrom,
  type ChatAnswer,
  type ChatRequest,
} from '@ultra/contracts/chat';
import { formatAttempts } from '@ultra/runtime';
import { modeHeaders } from './mode-headers.ts';

/** A request body that cannot be used; `param` names the field, as OpenAI's errors do. */
export class BadRequestError extends Error {
  constructor(
    message: string,
    readonly param: string | null,
  ) {
    super(message);
    this.name = 'BadRequestError';
  }
}

const ROLES: Record<string, Role> = { system: Role.SYSTEM, developer: Role.SYSTEM, user: Role.USER, assistant: Role.ASSISTANT };
const PRIORITIES: Record<string, Priority> = { high: Priority.HIGH, normal: Priority.NORMAL, low: Priority.LOW, batch: Priority.BATCH };
const CACHE: Record<string, CachePolicy> = { 'no-store': CachePolicy.NO_STORE, 'no-cache': CachePolicy.NO_CACHE, 'stale-ok': CachePolicy.STALE_OK };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(body: Record<string, unknown>, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequestError(`${field}: expected a number, got ${JSON.stringify(v)}`, field);
  return v;
}

function contentText(content: unknown, i: number): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content)) {
    return content
      .map((part, j) => {
        if (isObject(part) && part['type'] === 'text' && typeof part['text'] === 'string') return part['text'];
        throw new BadRequestError(`messages[${i}].content[${j}]: only text parts are supported`, `messages[${i}].content`);
      })
      .join('');
  }
  throw new BadRequestError(`messages[${i}].content: expected a string or a list of text parts`, `messages[${i}].content`);
}

const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);

/**
 * Chat Completions parameters that change what the answer is, which Ultra's chat contract
 * does not carry to providers: each is refused with a 400 naming it, unless it has its
 * neutral value, rather than dropped so that the caller gets an answer it did not ask for
 * (plain text for a tool call, one choice for `n: 3`). Parameters that only shape delivery
 * (`stream_options`, `store`, `metadata`, `service_tier`, `user`) are accepted.
 */
const UNSUPPORTED: ReadonlyArray<[field: string, neutral: (v: unknown) => boolean, why: string]> = [
  ['n', (v) => v === undefined || v === null || v === 1, 'Ultra returns one choice per request; send n requests (each may be answered by another provider)'],
  ['tools', empty, 'function calling is not routed by Ultra; call a provider directly for tool use'],
  ['tool_choice', (v) => empty(v) || v === 'none', 'function calling is not routed by Ultra'],
  ['functions', empty, 'function calling is not routed by Ultra'],
  ['function_call', (v) => empty(v) || v === 'none', 'function calling is not routed by Ultra'],
  ['response_format', (v) => empty(v) || (isObject(v) && v['type'] === 'text'), 'structured output (json_object, json_schema) is not carried to providers'],
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
  if (body['model'] !== undefined && typeof body['model'] !== 'string') throw new BadRequestError('model: expected a string', 'model');
  if (!Array.isArray(body['messages'])) throw new BadRequestError('messages: expected a list of messages', 'messages');
  for (const [field, neutral, why] of UNSUPPORTED) {
    if (!neutral(body[field])) throw new BadRequestError(`${field}: not supported by Ultra (${why}), got ${JSON.stringify(body[field]).slice(0, 80)}`, field);
  }
  const messages = body['messages'].map((m, i) => {
    if (!isObject(m)) throw new BadRequestError(`messages[${i}]: expected an object`, `messages[${i}]`);
    const role = typeof m['role'] === 'string' ? ROLES[m['role']] : undefined;
    if (role === undefined) {
      throw new BadRequestError(`messages[${i}].role: must be system, developer, user or assistant, got ${JSON.stringify(m['role'])}`, `messages[${i}].role`);
    }
    return { role, content: contentText(m['content'], i), name: typeof m['name'] === 'string' ? m['name'] : '' };
  });
  const maxTokens = num(body, 'max_completion_tokens') ?? num(body, 'max_tokens');
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) {
    throw new BadRequestError(`max_tokens: must be a whole number of at least 1, got ${maxTokens}`, 'max_tokens');
  }
  const stop = body['stop'];
  if (stop !== undefined && stop !== null && typeof stop !== 'string' && !(Array.isArray(stop) && stop.every((s) => typeof s === 'string'))) {
    throw new BadRequestError('stop: expected a string or a list of strings', 'stop');
  }
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
    model: (body['model'] as string | undefined) ?? '',
    messages,
    sampling: {
      ...(temperature !== undefined ? { temperature } : {}),
      ...(topP !== undefined ? { topP } : {}),
      ...(maxTokens !== undefined ? { maxTokens } : {}),
      ...(presencePenalty !== undefined ? { presencePenalty } : {}),
      ...(frequencyPenalty !== undefined ? { frequencyPenalty } : {}),
      ...(seed !== undefined ? { seed: BigInt(Math.trunc(seed)) } : {}),
      stop: typeof stop === 'string' ? [stop] : Array.isArray(stop) ? (stop as string[]) : [],
    },
    sessionId: header('x-ultra-session') ?? (typeof body['user'] === 'string' ? body['user'] : ''),
    priority: priority ? PRIORITIES[priority]! : Priority.UNSPECIFIED,
    cachePolicy: cache ? CACHE[cache]! : CachePolicy.UNSPECIFIED,
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
    choices: [{ index: 0, message: { role: 'assistant', content: answer.text, refusal: null }, logprobs: null, finish_reason: finishReasonName(answer.finishReason) }],
    usage: {
      prompt_tokens: answer.usage?.promptTokens ?? 0,
      completion_tokens: answer.usage?.completionTokens ?? 0,
      total_tokens: answer.usage?.totalTokens ?? 0,
    },
  };
}

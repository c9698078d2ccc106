import { FinishReason } from '@ultra/contracts/chat';
import { z } from 'zod';
import { classifyErrorBody, type ErrorContext } from '../classify.ts';
import { parseEventData } from '../sse.ts';
import type { Completion } from '../types.ts';
import { isRecord } from '@ultra/core';
import { makeCompletion, makeUsage, parseShape } from '../wire-common.ts';
import type { StreamDecoder } from '../wire-spec.ts';
import { createToolCallAssembler, piece } from '../tool-calls.ts';

const UsageShape = z
  .object({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish(), total_tokens: z.number().nullish() })
  .nullish();

const SignatureShape = z.object({ google: z.object({ thought_signature: z.string().nullish() }).nullish() }).nullish();

const ToolCallShape = z.object({
  id: z.string(),
  type: z.string().nullish(),
  function: z.object({ name: z.string(), arguments: z.string().nullish() }),
  extra_content: SignatureShape,
});

const ToolCallDeltaShape = z.object({
  index: z.number().int().nonnegative(),
  id: z.string().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
  extra_content: SignatureShape,
});

const CompletionShape = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish(), refusal: z.string().nullish(), tool_calls: z.array(ToolCallShape).nullish() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: UsageShape,
});

const ChunkShape = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        delta: z.object({ content: z.string().nullish(), tool_calls: z.array(ToolCallDeltaShape).nullish() }).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: UsageShape,
});

/** OpenAI's `finish_reason` mapped to Ultra's FinishReason. */
export function openAIFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
      return FinishReason.STOP;
    case 'length':
      return FinishReason.LENGTH;
    case 'content_filter':
      return FinishReason.CONTENT_FILTER;
    case 'tool_calls':
    case 'function_call':
      return FinishReason.TOOL_CALLS;
    default:
      return FinishReason.UNSPECIFIED;
  }
}

type UsageBody = z.infer<typeof UsageShape>;
const toUsage = (u: UsageBody) => makeUsage(u?.prompt_tokens ?? 0, u?.completion_tokens ?? 0, u?.total_tokens ?? undefined);

/** Reads a chat completion body (the first choice). A refusal with no content ends in CONTENT_FILTER. */
export function fromOpenAIResponse(body: unknown, model: string, ctx: ErrorContext): Completion {
  const answer = parseShape(ctx, CompletionShape, body, 'the chat completion');
  const choice = answer.choices[0]!;
  const refused = !choice.message.content && !!choice.message.refusal;
  const finish = refused ? FinishReason.CONTENT_FILTER : openAIFinishReason(choice.finish_reason);
  const calls = (choice.message.tool_calls ?? []).map((c) => ({
    id: c.id,
    name: c.function.name,
    arguments: c.function.arguments || '{}',
    signature: c.extra_content?.google?.thought_signature ?? '',
  }));
  return makeCompletion(choice.message.content ?? '', toUsage(answer.usage), finish, answer.model ?? model, answer.id, calls);
}

/**
 * Assembles a streamed chat completion: `choices[0].delta.content` pieces and
 * `delta.tool_calls` pieces (by index: id and name first, then argument fragments), the
 * `finish_reason`, the usage chunk that `stream_options.include_usage` adds, then
 * `data: [DONE]`. A `data: {"error": ...}` event is classified like an error body.
 */
export function createOpenAIStreamDecoder(model: string, ctx: ErrorContext): StreamDecoder {
  let text = '';
  const tools = createToolCallAssembler();
  let id: string | undefined;
  let reported = model;
  let finish: FinishReason | undefined;
  let usage: UsageBody;
  let done = false;
  return {
    push(event) {
      if (event.data.trim() === '[DONE]') {
        done = true;
        return { text: '', end: true };
      }
      const body = parseEventData(ctx, event);
      if (isRecord(body) && body['error'] !== undefined && body['error'] !== null) throw classifyErrorBody(ctx, body);
      const chunk = parseShape(ctx, ChunkShape, body, 'a stream chunk');
      id ??= chunk.id ?? undefined;
      reported = chunk.model ?? reported;
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      if (choice?.finish_reason) finish = openAIFinishReason(choice.finish_reason);
      const content = choice?.delta?.content ?? '';
      text += content;
      const calls = (choice?.delta?.tool_calls ?? []).map((c) =>
        tools.add(piece(c.index, { id: c.id ?? '', name: c.function?.name ?? '', arguments: c.function?.arguments ?? '', signature: c.extra_content?.google?.thought_signature ?? '' })),
      );
      return { text: content, end: false, ...(calls.length > 0 ? { toolCalls: calls } : {}) };
    },
    finish() {
      if (!done && finish === undefined) return undefined;
      return makeCompletion(text, toUsage(usage), finish ?? FinishReason.UNSPECIFIED, reported, id, tools.calls());
    },
  };
}

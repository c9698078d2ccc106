import { FinishReason, Outcome } from '@ultra/contracts/chat';
import { z } from 'zod';
import { problem, type ErrorContext } from '../classify.ts';
import { parseEventData } from '../sse.ts';
import type { Completion } from '../types.ts';
import { makeCompletion, makeUsage, parseShape } from '../wire-common.ts';
import type { StreamDecoder } from '../wire-spec.ts';
import { createToolCallAssembler, piece } from '../tool-calls.ts';

const Tokens = z.object({ input_tokens: z.number().nullish(), output_tokens: z.number().nullish() }).nullish();
const UsageShape = z.object({ billed_units: Tokens, tokens: Tokens }).nullish();
type UsageBody = z.infer<typeof UsageShape>;

const ResponseShape = z.object({
  id: z.string().nullish(),
  finish_reason: z.string().nullish(),
  message: z.object({
    content: z.array(z.object({ type: z.string(), text: z.string().nullish() })).nullish(),
    tool_calls: z.array(z.object({ id: z.string(), function: z.object({ name: z.string(), arguments: z.string().nullish() }) })).nullish(),
  }),
  usage: UsageShape,
});

const EventShape = z.object({ type: z.string(), id: z.string().nullish() });
const ContentDeltaShape = z.object({
  delta: z.object({ message: z.object({ content: z.object({ text: z.string().nullish() }).nullish() }).nullish() }).nullish(),
});
const ToolCallEventShape = z.object({
  index: z.number().int().nonnegative().nullish(),
  delta: z
    .object({
      message: z
        .object({ tool_calls: z.object({ id: z.string().nullish(), function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish() }).nullish() })
        .nullish(),
    })
    .nullish(),
});
const MessageEndShape = z.object({
  delta: z.object({ finish_reason: z.string().nullish(), error: z.string().nullish(), usage: UsageShape }).nullish(),
});

/**
 * Cohere's `finish_reason` as Ultra's FinishReason. `ERROR` and `TIMEOUT` are failures,
 * not finish reasons: they throw SERVER_ERROR and TIMEOUT.
 */
export function cohereFinishReason(reason: string | null | undefined, ctx: ErrorContext, error?: string | null): FinishReason {
  switch (reason) {
    case 'COMPLETE':
    case 'STOP_SEQUENCE':
      return FinishReason.STOP;
    case 'MAX_TOKENS':
      return FinishReason.LENGTH;
    case 'TOOL_CALL':
      return FinishReason.TOOL_CALLS;
    case 'ERROR':
      throw problem(ctx, Outcome.SERVER_ERROR, error || 'the model stopped with finish_reason ERROR', { providerCode: reason });
    case 'TIMEOUT':
      throw problem(ctx, Outcome.TIMEOUT, 'the model stopped with finish_reason TIMEOUT', { providerCode: reason });
    default:
      return FinishReason.UNSPECIFIED;
  }
}

/** Token counts: `usage.tokens` when given, else `usage.billed_units`. */
const toUsage = (u: UsageBody) =>
  makeUsage(u?.tokens?.input_tokens ?? u?.billed_units?.input_tokens ?? 0, u?.tokens?.output_tokens ?? u?.billed_units?.output_tokens ?? 0);

/** Reads a Chat v2 answer: text content items joined, finish reason, usage. The model is the one asked for. */
export function fromCohereResponse(body: unknown, model: string, ctx: ErrorContext): Completion {
  const r = parseShape(ctx, ResponseShape, body, 'the chat answer');
  const text = (r.message.content ?? []).map((c) => (c.type === 'text' ? (c.text ?? '') : '')).join('');
  const calls = (r.message.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments || '{}', signature: '' }));
  return makeCompletion(text, toUsage(r.usage), cohereFinishReason(r.finish_reason, ctx), model, r.id, calls);
}

/**
 * Assembles a Chat v2 stream: `message-start` (id), `content-delta` with
 * `delta.message.content.text`, `message-end` with `delta.finish_reason` and
 * `delta.usage`; `tool-call-start` (id, name) and `tool-call-delta` (argument fragments)
 * as tool-call pieces. Other events (content-start/end, citations, tool plans, tool-call-end) are skipped.
 */
export function createCohereStreamDecoder(model: string, ctx: ErrorContext): StreamDecoder {
  let text = '';
  const tools = createToolCallAssembler();
  let id: string | undefined;
  let end: { finish: FinishReason; usage: UsageBody } | undefined;
  return {
    push(event) {
      if (event.data.trim() === '[DONE]') return { text: '', end: end !== undefined };
      const body = parseEventData(ctx, event);
      const e = parseShape(ctx, EventShape, body, 'a stream event');
      if (e.type === 'message-start') id = e.id ?? undefined;
      if (e.type === 'content-delta') {
        const piece = parseShape(ctx, ContentDeltaShape, body, 'a content-delta event').delta?.message?.content?.text ?? '';
        text += piece;
        return { text: piece, end: false };
      }
      if (e.type === 'tool-call-start' || e.type === 'tool-call-delta') {
        const t = parseShape(ctx, ToolCallEventShape, body, `a ${e.type} event`);
        const call = t.delta?.message?.tool_calls;
        const index = t.index ?? 0;
        return { text: '', end: false, toolCalls: [tools.add(piece(index, { id: call?.id ?? '', name: call?.function?.name ?? '', arguments: call?.function?.arguments ?? '' }))] };
      }
      if (e.type === 'message-end') {
        const delta = parseShape(ctx, MessageEndShape, body, 'the message-end event').delta;
        end = { finish: cohereFinishReason(delta?.finish_reason, ctx, delta?.error), usage: delta?.usage };
        return { text: '', end: true };
      }
      return { text: '', end: false };
    },
    finish() {
      return end && makeCompletion(text, toUsage(end.usage), end.finish, model, id, tools.calls());
    },
  };
}

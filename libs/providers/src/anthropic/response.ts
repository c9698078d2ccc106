import { FinishReason } from '@ultra/contracts/chat';
import { z } from 'zod';
import { classifyErrorBody, type ErrorContext } from '../classify.ts';
import { parseEventData } from '../sse.ts';
import type { Completion } from '../types.ts';
import { isRecord } from '@ultra/core';
import { makeCompletion, makeUsage, parseShape } from '../wire-common.ts';
import type { StreamDecoder } from '../wire-spec.ts';
import type { ChatRequest } from '@ultra/contracts/chat';
import { createToolCallAssembler, piece } from '../tool-calls.ts';
import { formatToolName } from './tools.ts';

const UsageShape = z.object({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
});
type UsageBody = z.infer<typeof UsageShape>;

const MessageShape = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  content: z.array(z.object({ type: z.string(), text: z.string().nullish(), id: z.string().nullish(), name: z.string().nullish(), input: z.unknown().optional() })),
  stop_reason: z.string().nullish(),
  usage: UsageShape.nullish(),
});

const EventShape = z.object({
  type: z.string(),
  message: MessageShape.partial().nullish(),
  index: z.number().int().nonnegative().nullish(),
  content_block: z.object({ type: z.string(), id: z.string().nullish(), name: z.string().nullish() }).nullish(),
  delta: z.object({ type: z.string().nullish(), text: z.string().nullish(), partial_json: z.string().nullish(), stop_reason: z.string().nullish() }).nullish(),
  usage: UsageShape.nullish(),
});

/** Anthropic's `stop_reason` mapped to Ultra's FinishReason. */
export function anthropicFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return FinishReason.STOP;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return FinishReason.LENGTH;
    case 'refusal':
      return FinishReason.CONTENT_FILTER;
    case 'tool_use':
      return FinishReason.TOOL_CALLS;
    default:
      return FinishReason.UNSPECIFIED;
  }
}

/** Prompt tokens count cache writes and reads too, so they match what was sent. */
const promptTokens = (u: UsageBody | null | undefined) =>
  (u?.input_tokens ?? 0) + (u?.cache_creation_input_tokens ?? 0) + (u?.cache_read_input_tokens ?? 0);

/**
 * Reads a Messages API answer: the text blocks joined, `tool_use` blocks as tool calls,
 * stop reason, usage. The forced tool that stands in for a JSON format (see tools.ts)
 * is read back as the answer's text, ending as STOP.
 */
export function fromAnthropicResponse(body: unknown, model: string, ctx: ErrorContext, request?: ChatRequest): Completion {
  const m = parseShape(ctx, MessageShape, body, 'the message');
  const format = request ? formatToolName(model, request) : undefined;
  let text = m.content.map((b) => (b.type === 'text' ? (b.text ?? '') : '')).join('');
  const uses = m.content.filter((b) => b.type === 'tool_use');
  const answer = uses.find((b) => b.name === format);
  if (answer) text = JSON.stringify(answer.input ?? {});
  const calls = answer ? [] : uses.map((b) => ({ id: b.id ?? '', name: b.name ?? '', arguments: JSON.stringify(b.input ?? {}), signature: '' }));
  const usage = makeUsage(promptTokens(m.usage), m.usage?.output_tokens ?? 0);
  const finish = answer ? FinishReason.STOP : anthropicFinishReason(m.stop_reason);
  return makeCompletion(text, usage, finish, m.model ?? model, m.id, calls);
}

/**
 * Assembles a streamed message: `message_start` (id, model, input tokens),
 * `content_block_delta` with `text_delta`, `tool_use` blocks (`content_block_start` with
 * id and name, then `input_json_delta` fragments) as tool-call pieces, `message_delta` (stop reason, output tokens),
 * `message_stop`. `ping`, block start/stop and unknown events are skipped; an `error`
 * event (for example `overloaded_error`) is classified like an error body.
 */
export function createAnthropicStreamDecoder(model: string, ctx: ErrorContext, request?: ChatRequest): StreamDecoder {
  const format = request ? formatToolName(model, request) : undefined;
  const tools = createToolCallAssembler();
  /** Content block index → tool call index, for `tool_use` blocks; -1 for the format tool (its input is text). */
  const toolOf = new Map<number, number>();
  let text = '';
  let id: string | undefined;
  let reported = model;
  let prompt = 0;
  let output = 0;
  let stop: string | undefined;
  let stopped = false;
  return {
    push(event) {
      const body = parseEventData(ctx, event);
      if (isRecord(body) && body['type'] === 'error') throw classifyErrorBody(ctx, body);
      const e = parseShape(ctx, EventShape, body, `a "${event.event ?? 'message'}" event`);
      switch (e.type) {
        case 'message_start':
          id = e.message?.id ?? undefined;
          reported = e.message?.model ?? reported;
          prompt = promptTokens(e.message?.usage);
          output = e.message?.usage?.output_tokens ?? 0;
          return { text: '', end: false };
        case 'content_block_start': {
          const block = e.content_block;
          if (block?.type !== 'tool_use') return { text: '', end: false };
          if (block.name === format) {
            toolOf.set(e.index ?? 0, -1);
            return { text: '', end: false };
          }
          const index = [...toolOf.values()].filter((i) => i >= 0).length;
          toolOf.set(e.index ?? 0, index);
          return { text: '', end: false, toolCalls: [tools.add(piece(index, { id: block.id ?? '', name: block.name ?? '' }))] };
        }
        case 'content_block_delta': {
          const call = toolOf.get(e.index ?? 0);
          if (e.delta?.type === 'input_json_delta' && call !== undefined) {
            const json = e.delta.partial_json ?? '';
            if (call < 0) {
              text += json;
              return { text: json, end: false };
            }
            return { text: '', end: false, toolCalls: [tools.add(piece(call, { arguments: json }))] };
          }
          const chunk = e.delta?.type === 'text_delta' ? (e.delta.text ?? '') : '';
          text += chunk;
          return { text: chunk, end: false };
        }
        case 'message_delta':
          stop = e.delta?.stop_reason ?? stop;
          output = e.usage?.output_tokens ?? output;
          if (e.usage?.input_tokens != null) prompt = promptTokens(e.usage);
          return { text: '', end: false };
        case 'message_stop':
          stopped = true;
          return { text: '', end: true };
        default:
          return { text: '', end: false };
      }
    },
    finish() {
      if (!stopped && stop === undefined) return undefined;
      const calls = tools.calls();
      const finish = toolOf.size > 0 && calls.length === 0 ? FinishReason.STOP : anthropicFinishReason(stop);
      return makeCompletion(text, makeUsage(prompt, output), finish, reported, id, calls);
    },
  };
}

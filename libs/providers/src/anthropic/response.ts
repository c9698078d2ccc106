import { FinishReason } from '@ultra/contracts/chat';
import { z } from 'zod';
import { classifyErrorBody, type ErrorContext } from '../classify.ts';
import { parseEventData } from '../sse.ts';
import type { Completion } from '../types.ts';
import { isRecord, makeCompletion, makeUsage, parseShape } from '../wire-common.ts';
import type { StreamDecoder } from '../wire-spec.ts';

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
  content: z.array(z.object({ type: z.string(), text: z.string().nullish() })),
  stop_reason: z.string().nullish(),
  usage: UsageShape.nullish(),
});

const EventShape = z.object({
  type: z.string(),
  message: MessageShape.partial().nullish(),
  delta: z.object({ type: z.string().nullish(), text: z.string().nullish(), stop_reason: z.string().nullish() }).nullish(),
  usage: UsageShape.nullish(),
});

/** Anthropic's `stop_reason` as Ultra's FinishReason. */
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

/** Reads a Messages API answer: the text blocks joined, stop reason, usage. */
export function fromAnthropicResponse(body: unknown, model: string, ctx: ErrorContext): Completion {
  const m = parseShape(ctx, MessageShape, body, 'the message');
  const text = m.content.map((b) => (b.type === 'text' ? (b.text ?? '') : '')).join('');
  const usage = makeUsage(promptTokens(m.usage), m.usage?.output_tokens ?? 0);
  return makeCompletion(text, usage, anthropicFinishReason(m.stop_reason), m.model ?? model, m.id);
}

/**
 * Assembles a streamed message: `message_start` (id, model, input tokens),
 * `content_block_delta` with `text_delta`, `message_delta` (stop reason, output tokens),
 * `message_stop`. `ping`, block start/stop and unknown events are skipped; an `error`
 * event (for example `overloaded_error`) is classified like an error body.
 */
export function createAnthropicStreamDecoder(model: string, ctx: ErrorContext): StreamDecoder {
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
        case 'content_block_delta': {
          const piece = e.delta?.type === 'text_delta' ? (e.delta.text ?? '') : '';
          text += piece;
          return { text: piece, end: false };
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
      return makeCompletion(text, makeUsage(prompt, output), anthropicFinishReason(stop), reported, id);
    },
  };
}

import { FinishReason, Outcome } from '@ultra/contracts/chat';
import { z } from 'zod';
import { classifyErrorBody, problem, type ErrorContext } from '../classify.ts';
import { parseEventData } from '../sse.ts';
import type { Completion, ToolCallOut } from '../types.ts';
import { geminiCallId } from './tools.ts';
import { isRecord } from '@ultra/core';
import { makeCompletion, makeUsage, parseShape } from '../wire-common.ts';
import type { StreamDecoder } from '../wire-spec.ts';

const UsageShape = z.object({
  promptTokenCount: z.number().nullish(),
  candidatesTokenCount: z.number().nullish(),
  thoughtsTokenCount: z.number().nullish(),
  totalTokenCount: z.number().nullish(),
});
type UsageBody = z.infer<typeof UsageShape>;

const ResponseShape = z.object({
  candidates: z
    .array(
      z.object({
        content: z
          .object({
            parts: z
              .array(
                z.object({
                  text: z.string().nullish(),
                  thought: z.boolean().nullish(),
                  thoughtSignature: z.string().nullish(),
                  functionCall: z.object({ id: z.string().nullish(), name: z.string(), args: z.unknown().optional() }).nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
        finishReason: z.string().nullish(),
      }),
    )
    .nullish(),
  promptFeedback: z.object({ blockReason: z.string().nullish() }).nullish(),
  usageMetadata: UsageShape.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
});
type ResponseBody = z.infer<typeof ResponseShape>;

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE']);

/** Gemini's `finishReason` mapped to Ultra's FinishReason (safety-type stops are CONTENT_FILTER). */
export function geminiFinishReason(reason: string | null | undefined): FinishReason {
  if (reason === 'STOP') return FinishReason.STOP;
  if (reason === 'MAX_TOKENS') return FinishReason.LENGTH;
  if (reason && FILTERED.has(reason)) return FinishReason.CONTENT_FILTER;
  if (reason === 'MALFORMED_FUNCTION_CALL' || reason === 'UNEXPECTED_TOOL_CALL') return FinishReason.TOOL_CALLS;
  return FinishReason.UNSPECIFIED;
}

const toUsage = (u: UsageBody | null | undefined) =>
  makeUsage(u?.promptTokenCount ?? 0, (u?.candidatesTokenCount ?? 0) + (u?.thoughtsTokenCount ?? 0), u?.totalTokenCount ?? undefined);

/** Reads one response (or stream chunk): a blocked prompt throws CONTENT_REFUSED. */
function readChunk(body: unknown, ctx: ErrorContext): ResponseBody {
  if (isRecord(body) && isRecord(body['error'])) throw classifyErrorBody(ctx, body);
  const r = parseShape(ctx, ResponseShape, body, 'the generateContent answer');
  const blocked = r.promptFeedback?.blockReason;
  if (blocked) throw problem(ctx, Outcome.CONTENT_REFUSED, `prompt blocked (${blocked})`, { providerCode: blocked });
  return r;
}

/** The visible text of the first candidate (thought parts left out). */
const textOf = (r: ResponseBody) =>
  (r.candidates?.[0]?.content?.parts ?? []).map((p) => (p.thought ? '' : (p.text ?? ''))).join('');

/** The function calls of the first candidate, numbered from `first`, with Gemini's id or a stable one of Ultra's. */
function callsOf(r: ResponseBody, first: number): ToolCallOut[] {
  const parts = (r.candidates?.[0]?.content?.parts ?? []).filter((p) => p.functionCall);
  return parts.map((p, i) => {
    const args = JSON.stringify(p.functionCall!.args ?? {});
    const name = p.functionCall!.name;
    return { id: p.functionCall!.id || geminiCallId(first + i, name, args), name, arguments: args, signature: p.thoughtSignature ?? '' };
  });
}

/** Gemini ends a function-call turn with STOP: such a turn is TOOL_CALLS. */
const finishOf = (reason: string | null | undefined, calls: number) => (calls > 0 && (reason === 'STOP' || !reason) ? FinishReason.TOOL_CALLS : geminiFinishReason(reason));

/** Reads a generateContent answer: first candidate's text and function calls, finish reason, usageMetadata. */
export function fromGeminiResponse(body: unknown, model: string, ctx: ErrorContext): Completion {
  const r = readChunk(body, ctx);
  const candidate = r.candidates?.[0];
  if (!candidate) throw problem(ctx, Outcome.MALFORMED_RESPONSE, 'the answer has no candidate');
  const calls = callsOf(r, 0);
  return makeCompletion(textOf(r), toUsage(r.usageMetadata), finishOf(candidate.finishReason, calls.length), r.modelVersion ?? model, r.responseId, calls);
}

/**
 * Assembles `streamGenerateContent?alt=sse`: every event is a whole response holding the
 * next piece of text or whole function calls (passed on as one piece each); the last carries `finishReason` and the final usageMetadata.
 * There is no end marker: the answer is complete when a finishReason has arrived.
 */
export function createGeminiStreamDecoder(model: string, ctx: ErrorContext): StreamDecoder {
  let text = '';
  const calls: ToolCallOut[] = [];
  let last: ResponseBody | undefined;
  let finish: string | undefined;
  let usage: UsageBody | undefined;
  return {
    push(event) {
      const r = readChunk(parseEventData(ctx, event), ctx);
      last = r;
      usage = r.usageMetadata ?? usage;
      finish = r.candidates?.[0]?.finishReason ?? finish;
      const chunk = textOf(r);
      text += chunk;
      const fresh = callsOf(r, calls.length);
      const pieces = fresh.map((c, i) => ({ index: calls.length + i, ...c }));
      calls.push(...fresh);
      return { text: chunk, end: false, ...(pieces.length > 0 ? { toolCalls: pieces } : {}) };
    },
    finish() {
      if (finish === undefined) return undefined;
      return makeCompletion(text, toUsage(usage), finishOf(finish, calls.length), last?.modelVersion ?? model, last?.responseId, calls);
    },
  };
}

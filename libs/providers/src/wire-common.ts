import { create } from '@bufbuild/protobuf';
import { Role, UsageSchema, type FinishReason, type Message, type Usage } from '@ultra/contracts/chat';
import type { z } from 'zod';
import { malformed, type ErrorContext } from './classify.ts';
import { textOf } from './content.ts';
import type { Completion, ToolCallOut } from './types.ts';

/** Pieces shared by the wire formats: usage, system-prompt splitting, shape checks. */

/** A Usage message; `total` defaults to prompt + completion. Negative or missing counts become 0. */
export function makeUsage(prompt: number | undefined, completion: number | undefined, total?: number): Usage {
  const p = count(prompt);
  const c = count(completion);
  return create(UsageSchema, { promptTokens: p, completionTokens: c, totalTokens: total === undefined ? p + c : count(total) });
}

function count(n: number | undefined): number {
  return n === undefined || !Number.isFinite(n) || n < 0 ? 0 : Math.round(n);
}

/** Builds a Completion; `id` and `model` fall back to '' and the requested model. */
export function makeCompletion(
  text: string,
  usage: Usage,
  finishReason: FinishReason,
  model: string,
  id: string | null | undefined,
  toolCalls: ToolCallOut[] = [],
): Completion {
  return { text, toolCalls, usage, finishReason, model, id: id ?? '' };
}

/**
 * Splits a conversation for the APIs that take the system prompt apart (Anthropic,
 * Gemini): every system message's content, joined by a blank line, and the other turns.
 */
export function splitSystem(messages: readonly Message[]): { system: string; turns: Message[] } {
  const system = messages.filter((m) => m.role === Role.SYSTEM).map(textOf);
  return { system: system.join('\n\n'), turns: messages.filter((m) => m.role !== Role.SYSTEM) };
}

/** The role name of OpenAI and Cohere for a Role; unspecified counts as `user`. */
export function chatRole(role: Role): 'system' | 'user' | 'assistant' {
  if (role === Role.SYSTEM) return 'system';
  if (role === Role.ASSISTANT) return 'assistant';
  return 'user';
}

/** The protobuf int64 seed turned into a JSON number (seeds beyond 2^53 lose precision). */
export function seedNumber(seed: bigint | undefined): number | undefined {
  return seed === undefined ? undefined : Number(seed);
}

/** `list` when it has entries, else undefined (so the field is left out of the JSON). */
export function nonEmpty<T>(list: readonly T[] | undefined): T[] | undefined {
  return list && list.length > 0 ? [...list] : undefined;
}

/** Checks `body` against a provider's documented shape, or throws MALFORMED_RESPONSE naming the first bad field. */
export function parseShape<T>(ctx: ErrorContext, schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw malformed(ctx, `${what} is not in the expected shape${where}`);
}

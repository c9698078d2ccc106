import type { SimToolCall, SimTools } from './tools/types.ts';

/** A chat request in the form the simulator needs, read from any wire format. */
export interface SimRequest {
  model: string;
  /** Every message's text with its role, in order (system prompts included). */
  messages: ReadonlyArray<{ role: string; content: string }>;
  stream: boolean;
  /** The request's bound on generated tokens, when set. */
  maxTokens?: number | undefined;
  /** OpenAI only: `stream_options.include_usage` was asked for (adds the usage chunk). */
  includeUsage?: boolean | undefined;
  /** Tools, tool results, response format and images, unchanged from the wire format. */
  tools?: SimTools | undefined;
}

/** The deterministic answer to one request. */
export interface SimAnswer {
  id: string;
  provider: string;
  model: string;
  /** Unix time in seconds, from the injected clock. */
  created: number;
  text: string;
  /** `text` split for streaming; joined they give `text`. */
  pieces: string[];
  promptTokens: number;
  completionTokens: number;
  /** True when `maxTokens` cut the answer short (finish reason "length"). */
  truncated: boolean;
  /** Copied from the request. */
  includeUsage: boolean;
  /** The tool calls the answer makes instead of text (see tools/tool-answer.ts). */
  toolCalls?: SimToolCall[] | undefined;
}

/** Longest part of the last user message that the answer quotes, in characters. */
export const QUOTE_LIMIT = 200;

/** Tokens, approximated by words (at least 1 for any non-empty text). */
export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/**
 * The answer is `Simulated answer from NAME (MODEL) to: <last user message, first 200
 * characters>`, cut to `maxTokens` words when that is smaller, and split into `chunks`
 * pieces of whole words for streaming. Usage counts words.
 */
export function buildAnswer(provider: string, request: SimRequest, chunks: number, id: string, nowMs: number): SimAnswer {
  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const quote = lastUser.length > QUOTE_LIMIT ? lastUser.slice(0, QUOTE_LIMIT) : lastUser;
  let words = `Simulated answer from ${provider} (${request.model}) to: ${quote}`.split(/\s+/).filter(Boolean);
  const truncated = request.maxTokens !== undefined && request.maxTokens < words.length;
  if (truncated) words = words.slice(0, Math.max(1, request.maxTokens ?? 1));
  const text = words.join(' ');
  return {
    id,
    provider,
    model: request.model,
    created: Math.floor(nowMs / 1000),
    text,
    pieces: splitIntoChunks(words, chunks),
    promptTokens: Math.max(1, request.messages.reduce((n, m) => n + countWords(m.content), 0)),
    completionTokens: words.length,
    truncated,
    includeUsage: request.includeUsage === true,
  };
}

/** Splits words into at most `n` non-empty pieces that join back to the words separated by spaces. */
export function splitIntoChunks(words: readonly string[], n: number): string[] {
  const count = Math.max(1, Math.min(n, words.length));
  const pieces: string[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = Math.round(((i + 1) * words.length) / count);
    const part = words.slice(start, end).join(' ');
    pieces.push(i < count - 1 ? `${part} ` : part);
    start = end;
  }
  return pieces;
}

import { Outcome } from '@ultra/contracts/chat';
import type { Clock } from '@ultra/core';
import { ProviderError, type ProviderErrorInit } from './provider-error.ts';
import { redact, truncate } from './redact.ts';
import { retryAfterFromHeaders } from './retry-after.ts';
import type { HeaderLookup } from './types.ts';

/** What an adapter reads out of its provider's error body. Every field is a hint. */
export interface ErrorDetail {
  /** The provider's own message. */
  message?: string | undefined;
  /** The provider's own code or type, for example `overloaded_error`. */
  code?: string | undefined;
  /** Set when the body alone decides the outcome (for example `context_length_exceeded`). */
  outcome?: Outcome | undefined;
  /** A wait the body asks for (for example Gemini's `RetryInfo.retryDelay`), in milliseconds. */
  retryAfterMs?: number | undefined;
}

/** An adapter's reader of its error bodies; `status` is undefined for an error event inside a stream. */
export type DescribeError = (body: unknown, status: number | undefined) => ErrorDetail;

/** What classification needs to know about the provider being called. */
export interface ErrorContext {
  /** The provider name of config. */
  readonly provider: string;
  readonly clock: Clock;
  readonly describe: DescribeError;
  /** Values cut out of every message (the API key). */
  readonly secrets: readonly string[];
}

const LABELS: Partial<Record<Outcome, string>> = {
  [Outcome.RATE_LIMITED]: 'rate limited',
  [Outcome.OVERLOADED]: 'overloaded',
  [Outcome.SERVER_ERROR]: 'server error',
  [Outcome.TIMEOUT]: 'timed out',
  [Outcome.CONNECTION]: 'connection failed',
  [Outcome.BAD_REQUEST]: 'bad request',
  [Outcome.AUTH_FAILED]: 'authentication failed',
  [Outcome.CONTEXT_TOO_LONG]: 'context too long',
  [Outcome.CONTENT_REFUSED]: 'content refused',
  [Outcome.CANCELLED]: 'cancelled',
  [Outcome.STREAM_BROKEN]: 'stream broken',
  [Outcome.MALFORMED_RESPONSE]: 'malformed response',
};

/** A short human label for an outcome, for example `rate limited`. */
export function outcomeLabel(outcome: Outcome): string {
  return LABELS[outcome] ?? Outcome[outcome]?.toLowerCase() ?? String(outcome);
}

/** Body texts that mean "the prompt does not fit", across providers. */
export const CONTEXT_TOO_LONG_TEXT =
  /context[_ ]length|context window|maximum context|prompt is too long|too many tokens|input token count.*exceeds|exceeds the maximum number of tokens/i;
/** Body texts that mean "refused for its content", across providers. */
export const CONTENT_REFUSED_TEXT = /content[_ ]filter|content management policy|content_policy_violation|safety (system|guardrails)/i;

/**
 * The outcome an HTTP status means on its own; `text` (the body) only splits 400-class
 * answers into context-too-long and content-refused, and 503 into overloaded.
 */
export function outcomeForStatus(status: number, text: string): Outcome {
  if (status === 429) return Outcome.RATE_LIMITED;
  if (status === 529) return Outcome.OVERLOADED;
  if (status === 503 && /overload/i.test(text)) return Outcome.OVERLOADED;
  if (status === 408 || status === 504) return Outcome.TIMEOUT;
  if (status === 413) return Outcome.CONTEXT_TOO_LONG;
  if (status === 401 || status === 403) return Outcome.AUTH_FAILED;
  // 499: the provider (or a proxy) gave up on the request itself; the caller did not abort.
  if (status >= 500 || status === 499) return Outcome.SERVER_ERROR;
  if (status >= 400) {
    if (CONTEXT_TOO_LONG_TEXT.test(text)) return Outcome.CONTEXT_TOO_LONG;
    if (CONTENT_REFUSED_TEXT.test(text)) return Outcome.CONTENT_REFUSED;
    return Outcome.BAD_REQUEST;
  }
  return Outcome.MALFORMED_RESPONSE;
}

/** Builds a ProviderError whose message reads `provider: label[ (HTTP n)]: detail`, with secrets cut out. */
export function problem(ctx: ErrorContext, outcome: Outcome, detail: string, extra: Partial<ProviderErrorInit> = {}): ProviderError {
  const status = extra.status === undefined ? '' : ` (HTTP ${extra.status})`;
  const text = detail ? `: ${truncate(detail)}` : '';
  return new ProviderError(redact(`${ctx.provider}: ${outcomeLabel(outcome)}${status}${text}`, ctx.secrets), {
    ...extra,
    outcome,
    provider: ctx.provider,
  });
}

/** A MALFORMED_RESPONSE error: the provider answered, but not in its own documented shape. */
export function malformed(ctx: ErrorContext, what: string): ProviderError {
  return problem(ctx, Outcome.MALFORMED_RESPONSE, what);
}

/** Classifies a non-2xx HTTP answer from its status, headers and body text. */
export function classifyHttpError(ctx: ErrorContext, status: number, headers: HeaderLookup, text: string): ProviderError {
  const body = parseMaybeJson(text);
  const detail = body === undefined ? {} : safeDescribe(ctx, body, status);
  const outcome = detail.outcome ?? outcomeForStatus(status, text);
  const retryAfterMs = retryAfterFromHeaders(headers, ctx.clock.now()) ?? detail.retryAfterMs;
  const message = detail.message ?? (body === undefined && looksLikePlainText(text) ? text : '');
  const wait = retryAfterMs === undefined ? '' : ` (retry after ${retryAfterMs}ms)`;
  return problem(ctx, outcome, `${message}${wait}`.trim(), { status, retryAfterMs, providerCode: detail.code });
}

/** Classifies an error payload that arrived inside a 200 stream (or body); SERVER_ERROR unless the body says more. */
export function classifyErrorBody(ctx: ErrorContext, body: unknown): ProviderError {
  const detail = safeDescribe(ctx, body, undefined);
  const text = `${detail.code ?? ''} ${detail.message ?? ''}`;
  const outcome = detail.outcome ?? (/overload/i.test(text) ? Outcome.OVERLOADED : Outcome.SERVER_ERROR);
  return problem(ctx, outcome, detail.message ?? 'error event in the answer', {
    providerCode: detail.code,
    retryAfterMs: detail.retryAfterMs,
  });
}

function safeDescribe(ctx: ErrorContext, body: unknown, status: number | undefined): ErrorDetail {
  try {
    return ctx.describe(body, status);
  } catch {
    return {};
  }
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function looksLikePlainText(text: string): boolean {
  return text.length > 0 && text.length <= 300 && !/[<{]/.test(text);
}

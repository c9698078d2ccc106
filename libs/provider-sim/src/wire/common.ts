import type { IncomingHttpHeaders } from 'node:http';
import { isRecord } from '@ultra/core';

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'invalid request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not found',
  408: 'request timeout',
  413: 'request too large',
  422: 'unprocessable request',
  429: 'rate limit exceeded, please wait and try again later',
  500: 'internal server error',
  502: 'bad gateway',
  503: 'service unavailable',
  504: 'gateway timeout',
  529: 'overloaded',
};

/** The message of a plain simulated failure with this status. */
export function faultText(status: number): string {
  return `simulated fault: ${STATUS_TEXT[status] ?? `status ${status}`}`;
}

/** The default wait a 429 advertises, in ms. */
export const DEFAULT_RETRY_AFTER_MS = 1000;

/** `retry-after` in whole seconds (rounded up) for a 429, or for any status given an explicit wait. */
export function retryAfterHeader(status: number, ms: number | undefined): Record<string, string> {
  const wait = ms ?? (status === 429 ? DEFAULT_RETRY_AFTER_MS : undefined);
  return wait === undefined ? {} : { 'retry-after': String(Math.ceil(wait / 1000)) };
}

/** The wait of a failure in milliseconds (a number, not a header), when one is advertised. */
export function waitOf(status: number, ms: number | undefined): number | undefined {
  return ms ?? (status === 429 ? DEFAULT_RETRY_AFTER_MS : undefined);
}

/** `Bearer <key>` check for OpenAI and Cohere. */
export function hasBearer(headers: IncomingHttpHeaders, key: string): boolean {
  return headers.authorization === `Bearer ${key}`;
}

/** The bearer token a caller presented (the Authorization header without `Bearer`). */
export function bearerOf(headers: IncomingHttpHeaders): string | undefined {
  return headers.authorization?.replace(/^Bearer\s+/i, '');
}

/** A key masked the way OpenAI echoes it: first 3 and last 4 characters. */
export function maskKey(key: string | undefined): string {
  if (!key) return '(none)';
  return key.length <= 8 ? '***' : `${key.slice(0, 3)}${'*'.repeat(Math.min(20, key.length - 7))}${key.slice(-4)}`;
}

/** A message's text: a string, or the `text` of its parts (`[{type: "text", text}]`). */
export function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (content === null) return '';
  if (!Array.isArray(content)) return undefined;
  return content.map((p) => (isRecord(p) && typeof p['text'] === 'string' ? p['text'] : '')).join('');
}

/** Reads `[{role, content}]` with the given role names; a string explains what is wrong. */
export function readMessages(raw: unknown, field: string): Array<{ role: string; content: string }> | string {
  if (!Array.isArray(raw) || raw.length === 0) return `${field}: must be a non-empty array`;
  const out: Array<{ role: string; content: string }> = [];
  for (const [i, m] of raw.entries()) {
    const record = isRecord(m) ? m : {};
    const role = record['role'];
    // An assistant turn of tool calls may have no content (OpenAI, Cohere).
    const content = record['content'] === undefined && Array.isArray(record['tool_calls']) ? '' : contentText(record['content']);
    if (typeof role !== 'string' || content === undefined) return `${field}.${i}: needs a role and a text content`;
    out.push({ role, content });
  }
  return out;
}

/** An optional positive integer field, or a reason it is not one. */
export function optionalCount(value: unknown, field: string): number | undefined | string {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : `${field}: must be a positive integer`;
}

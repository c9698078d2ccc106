import { Outcome } from '@ultra/contracts/chat';
import { classifyHttpError, malformed, problem, type ErrorContext } from './classify.ts';
import { classifyThrown } from './classify-thrown.ts';
import type { FetchLike, HttpAnswer, HttpRequestInit } from './types.ts';

/** An HTTP call, described by an adapter. The API key travels only in `headers`. */
export interface HttpCall {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** Sent JSON-encoded when present. */
  body?: unknown;
}

/** Classification context plus the fetch to call through. */
export interface HttpContext extends ErrorContext {
  readonly fetch: FetchLike;
}

/** Most of an error body read for classification (or any body read only to describe it), in bytes; the rest is not read. */
export const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * Most of a whole (not streamed) answer read, in bytes. A long model answer is tens of
 * kilobytes; a body past this is a broken server or proxy, and reading it all could take
 * the agent's memory (and every provider's calls with it).
 */
export const ANSWER_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * Reads `res`'s body as UTF-8 text, stopping (and cancelling the rest) once it passes
 * `limit` bytes: `over` then says so and `text` holds the first `limit` bytes.
 */
export async function readText(res: HttpAnswer, limit: number): Promise<{ text: string; over: boolean }> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await res.body?.cancel().catch(() => undefined);
    return { text: '', over: true };
  }
  if (!res.body) return { text: '', over: false };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const { body } = res;
  for await (const value of body) {
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      // Past the limit the rest is not wanted: end it now rather than drain it for its connection.
      await body.cancel().catch(() => undefined);
      return { text: Buffer.concat(chunks).subarray(0, limit).toString('utf8'), over: true };
    }
  }
  const [only] = chunks;
  return { text: (chunks.length === 1 && only ? Buffer.from(only.buffer, only.byteOffset, only.byteLength) : Buffer.concat(chunks)).toString('utf8'), over: false };
}

/**
 * Sends `call` and returns a 2xx response, or throws a classified ProviderError: a
 * network failure or abort through {@link classifyThrown}, a non-2xx answer through
 * {@link classifyHttpError}.
 */
export async function send(ctx: HttpContext, call: HttpCall, signal: AbortSignal): Promise<HttpAnswer> {
  let res: HttpAnswer;
  try {
    // No automatic redirects: a redirect to another origin would carry key headers
    // (x-api-key, x-goog-api-key) there; provider APIs do not redirect.
    const init: HttpRequestInit = { method: call.method, headers: call.headers, signal, redirect: 'manual', ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}) };
    res = await ctx.fetch(call.url, init);
  } catch (e) {
    throw classifyThrown(ctx, e, signal);
  }
  if (res.ok) return res;
  if (res.status >= 300 && res.status < 400) {
    void res.body?.cancel().catch(() => undefined);
    throw problem(ctx, Outcome.MALFORMED_RESPONSE, 'the provider redirected; set base_url to the final URL', { status: res.status });
  }
  let text = '';
  try {
    text = (await readText(res, ERROR_BODY_LIMIT)).text;
  } catch (e) {
    if (signal.aborted) throw classifyThrown(ctx, e, signal);
  }
  throw classifyHttpError(ctx, res.status, res.headers, text);
}

/**
 * Reads a 2xx response as JSON. A wrong content type (an HTML page, plain text), a
 * truncated or invalid body give MALFORMED_RESPONSE; a dropped connection CONNECTION.
 */
export async function readJson(ctx: HttpContext, res: HttpAnswer, signal: AbortSignal): Promise<unknown> {
  let read: { text: string; over: boolean };
  try {
    read = await readText(res, ANSWER_BODY_LIMIT);
  } catch (e) {
    throw classifyThrown(ctx, e, signal);
  }
  if (read.over) throw malformed(ctx, `the answer is over ${ANSWER_BODY_LIMIT / (1024 * 1024)} MiB, far past any model answer (a broken server or proxy?)`);
  const { text } = read;
  const type = res.headers.get('content-type') ?? '';
  if (!/json/i.test(type)) throw malformed(ctx, `expected JSON, got ${describeContent(type, text)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw malformed(ctx, text.trim() === '' ? 'empty body' : `truncated or invalid JSON (${text.length} bytes)`);
  }
}

/** Names what a body is for an error message, without quoting it: `an HTML page`, `text/plain`. */
export function describeContent(type: string, text: string): string {
  if (/html/i.test(type) || /^\s*<(!doctype|html)/i.test(text)) return 'an HTML page';
  return type ? `content type ${type.split(';')[0]}` : 'no content type';
}

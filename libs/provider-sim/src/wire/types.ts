import type { IncomingHttpHeaders } from 'node:http';
import type { SimAnswer, SimRequest } from '../answer.ts';
import type { ErrorKind } from '../faults.ts';
import type { SseEvent } from '../http-io.ts';

/** An injected failure to render in a wire format's own error shape. */
export interface SimError {
  status: number;
  kind: ErrorKind | undefined;
  /** The wait to advertise, in ms (429 always advertises one; default 1000). */
  retryAfterMs: number | undefined;
  /** The simulator clock's now, in ms (for reset timestamps). */
  nowMs: number;
  /** Prompt size in words, for realistic context-length messages. */
  promptTokens: number;
}

/** A complete HTTP answer: status, JSON body, extra headers. A 200 here is a refusal that is not an HTTP error (Gemini). */
export interface Reply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** A stream in the form of events: the ones before the text, one per text chunk, the ones after. */
export interface StreamPlan {
  head: SseEvent[];
  chunk(piece: string, index: number): SseEvent;
  tail: SseEvent[];
}

/** One provider wire format the simulator speaks. */
export interface SimWire {
  /** Prefix of answer ids, for example `chatcmpl-` or `msg_`. */
  readonly idPrefix: string;
  /** The status of an `overloaded` fault without an explicit errorStatus. */
  readonly overloadedStatus: number;
  /** True when the request carries `key` the way this provider expects it. */
  authorized(headers: IncomingHttpHeaders, key: string, url: URL): boolean;
  /** This provider's answer to a wrong or missing key (OpenAI echoes the presented key, masked). */
  unauthorized(headers: IncomingHttpHeaders): Reply;
  /** Reads a chat request body; a string is the reason it is invalid. */
  readRequest(body: unknown, pathModel: string | undefined, streamPath: boolean): SimRequest | string;
  completion(a: SimAnswer): unknown;
  stream(a: SimAnswer): StreamPlan;
  error(e: SimError): Reply;
  /** This provider's 400 for an unreadable request. */
  badRequest(reason: string): Reply;
}

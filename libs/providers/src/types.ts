import type { ChatRequest, FinishReason, Outcome, Usage } from '@ultra/contracts/chat';
import type { Clock } from '@ultra/core';

/** The wire formats Ultra speaks. `openai` also covers every OpenAI-compatible server. */
export type EndpointType = 'openai' | 'anthropic' | 'gemini' | 'cohere';

/**
 * A secret value (an API key). It prints as `[redacted]` through `String()`, JSON and
 * `util.inspect`, so a config dump or a log line can never show it; `reveal()` gives
 * the value to the one place that puts it on the wire.
 */
export interface Secret {
  reveal(): string;
}

/** Where one provider lives and how to reach it. */
export interface Endpoint {
  /** The provider name of config, for example `openai` or `local`. */
  readonly name: string;
  readonly type: EndpointType;
  /** Base URL in the official SDK's convention, for example `https://api.openai.com/v1`. */
  readonly baseUrl: string;
  /** The API key, when the endpoint needs one. */
  readonly apiKey?: Secret | undefined;
  /** Models this endpoint offers (its own names). */
  readonly models: readonly string[];
}

/** A tool call the model made, complete: `arguments` is JSON text. */
export interface ToolCallOut {
  /** The provider's id, or one Ultra gave (Gemini has none). */
  id: string;
  name: string;
  arguments: string;
  /** Opaque data the provider needs back with this call on later turns (Gemini's thought signature); '' when none. */
  signature: string;
}

/** A piece of a streamed tool call: the first piece of call `index` has its id and name, later ones argument fragments. */
export interface ToolCallPiece {
  index: number;
  id: string;
  name: string;
  arguments: string;
  signature: string;
}

/** A finished answer from a provider. */
export interface Completion {
  text: string;
  /** The tool calls of the answer (finishReason TOOL_CALLS), in order; empty for a text answer. */
  toolCalls: ToolCallOut[];
  usage: Usage;
  finishReason: FinishReason;
  /** The model name the provider reports having used. */
  model: string;
  /** The provider's own id for the answer, when it gives one. */
  id: string;
}

/**
 * One event of a streamed answer: a piece of text or of tool calls, then exactly one
 * `done` at the end, whose completion holds the tool calls whole.
 */
export type StreamEvent = { type: 'delta'; text: string; toolCalls?: ToolCallPiece[] } | { type: 'done'; completion: Completion };

export interface CallOptions {
  /** Aborts the HTTP call; an aborted call rejects with a ProviderError of outcome CANCELLED or TIMEOUT. */
  signal: AbortSignal;
}

/** One provider's HTTP API behind Ultra's chat request and answer. */
export interface ProviderAdapter {
  readonly endpoint: Endpoint;
  /** Sends `request` for `model` (the provider's own model name) and waits for the whole answer. */
  complete(model: string, request: ChatRequest, options: CallOptions): Promise<Completion>;
  /** Streams the answer, passing text on the moment it arrives. */
  stream(model: string, request: ChatRequest, options: CallOptions): AsyncIterable<StreamEvent>;
  /** A cheap call that tells whether the provider answers at all (rejects with ProviderError if not). */
  probe(options: CallOptions): Promise<void>;
}

export type { Outcome };

/** What adapters read of an HTTP header block: `fetch`'s `Headers` has it. */
export interface HeaderLookup {
  get(name: string): string | null;
}

/** An answer's body: its bytes, read while they arrive; `cancel` stops reading and frees the connection. */
export interface AnswerBody extends AsyncIterable<Uint8Array> {
  cancel(reason?: unknown): Promise<void>;
}

/** What adapters read of an HTTP answer: `fetch`'s `Response` has it, and so does {@link createHttpFetch}'s. */
export interface HttpAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: HeaderLookup;
  readonly body: AnswerBody | null;
}

/** What adapters send: a subset of `fetch`'s `RequestInit`. */
export interface HttpRequestInit {
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal: AbortSignal;
  /** Adapters never follow redirects (a redirect could carry key headers elsewhere). */
  readonly redirect: 'manual';
}

/** The HTTP client adapters call: `fetch` itself fits, and tests inject their own. */
export type FetchLike = (url: string, init: HttpRequestInit) => Promise<HttpAnswer>;

/** What every adapter factory takes besides its endpoint. */
export interface AdapterDeps {
  /** Reads "now" to turn `Retry-After` dates and reset times into waits. Default: systemClock. */
  clock: Clock;
  /** The HTTP client. Default: {@link createHttpFetch}'s, over `node:http`/`node:https` keep-alive agents. */
  fetch: FetchLike;
}

/** A factory of one wire format's adapter; the registry maps each {@link EndpointType} to one. */
export type AdapterFactory = (endpoint: Endpoint, deps?: Partial<AdapterDeps>) => ProviderAdapter;

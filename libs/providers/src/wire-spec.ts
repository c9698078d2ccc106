import type { EventSourceMessage } from 'eventsource-parser';
import type { ChatRequest } from '@ultra/contracts/chat';
import type { DescribeError, ErrorContext } from './classify.ts';
import type { Completion, ToolCallPiece } from './types.ts';

/** What one event of a stream adds: text for the caller, and whether the answer is complete. */
export interface StreamStep {
  /** Text to pass through ('' for an event without text). */
  text: string;
  /** Pieces of tool calls to pass through, when the event has any. */
  toolCalls?: ToolCallPiece[] | undefined;
  /** True once the provider has said the answer is complete; reading stops there. */
  end: boolean;
}

/** Assembles one streamed answer from its events; one decoder per call. */
export interface StreamDecoder {
  /** Reads one event; throws a ProviderError for an error event or a malformed one. */
  push(event: EventSourceMessage): StreamStep;
  /** The whole answer once the provider has finished it, else undefined (the stream ended early). */
  finish(): Completion | undefined;
}

/**
 * One provider's wire format, the only provider-specific part of an adapter: paths,
 * auth headers, the request body, how to read answers, streams and error bodies.
 * The shared {@link createWireAdapter} does the HTTP, streaming and classification.
 */
export interface WireSpec {
  /** Headers that carry the key (none when the endpoint has no key). */
  authHeaders(apiKey: string | undefined): Record<string, string>;
  /** Path (appended to the base URL) and JSON body of a chat call. */
  chat(model: string, request: ChatRequest, stream: boolean): { path: string; body: unknown };
  /** Reads a whole answer to `request`; throws a ProviderError (through `ctx`) when it is not one. */
  parseCompletion(body: unknown, model: string, ctx: ErrorContext, request: ChatRequest): Completion;
  createStreamDecoder(model: string, ctx: ErrorContext, request: ChatRequest): StreamDecoder;
  /** Path of the cheap call `probe()` makes (a model list). */
  probePath: string;
  /** True when a probe's JSON answer has the shape of this provider's model list. */
  isProbeAnswer(body: unknown): boolean;
  describeError: DescribeError;
}

import { inspect } from 'node:util';
import { create } from '@bufbuild/protobuf';
import { ChatRequestSchema, Role, type ChatRequest } from '@ultra/contracts/chat';
import { ManualClock } from '@ultra/core';
import type { EventSourceMessage } from 'eventsource-parser';
import type { DescribeError, ErrorContext } from '../classify.ts';
import { isProviderError, type ProviderError } from '../provider-error.ts';
import type { Completion, Endpoint, EndpointType, FetchLike, Secret, StreamEvent } from '../types.ts';

/** Test helpers shared by the adapter tests (not exported by the package). */

export const ENDPOINT_TYPES: readonly EndpointType[] = ['openai', 'anthropic', 'gemini', 'cohere'];

/** A Secret that prints as `[redacted]`, like config's. */
export function secret(value: string): Secret {
  const redacted = () => '[redacted]';
  const printsRedacted: Secret & Record<'toString' | 'toJSON' | typeof inspect.custom, () => string> = {
    reveal: () => value,
    toString: redacted,
    toJSON: redacted,
    [inspect.custom]: redacted,
  };
  return printsRedacted;
}

/** The base URL of provider `name` of wire `type` on a simulator (or any server) at `root`. */
export function simBaseUrl(root: string, name: string, type: EndpointType): string {
  return `${root}/${name}${type === 'openai' ? '/v1' : ''}`;
}

/** An endpoint for provider `name` on the simulator at `root`. */
export function simEndpoint(root: string, name: string, type: EndpointType, key?: string): Endpoint {
  return { name, type, baseUrl: simBaseUrl(root, name, type), models: [], ...(key === undefined ? {} : { apiKey: secret(key) }) };
}

/** A chat request: an optional system prompt, then one user message. */
export function chat(text: string, init: { system?: string; maxTokens?: number } = {}): ChatRequest {
  const messages = [
    ...(init.system ? [{ role: Role.SYSTEM, content: init.system }] : []),
    { role: Role.USER, content: text },
  ];
  return create(ChatRequestSchema, { messages, ...(init.maxTokens === undefined ? {} : { sampling: { maxTokens: init.maxTokens } }) });
}

/** The answer the simulator gives provider `name` for `model` and `text`. */
export function simText(name: string, model: string, text: string): string {
  return `Simulated answer from ${name} (${model}) to: ${text}`;
}

/** Expects `promise` to reject with a ProviderError and returns it. */
export async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (e) {
    if (isProviderError(e)) return e;
    throw new Error(`expected a ProviderError, got ${inspect(e)}`);
  }
  throw new Error('expected a rejection, got an answer');
}

/** Everything a stream produced: its deltas, its `done` completion, and the error that ended it. */
export interface Drained {
  deltas: string[];
  done: Completion[];
  events: StreamEvent[];
  error: ProviderError | undefined;
}

/** Reads a stream to its end, catching the ProviderError that ends it (anything else is rethrown). */
export async function drain(stream: AsyncIterable<StreamEvent>): Promise<Drained> {
  const out: Drained = { deltas: [], done: [], events: [], error: undefined };
  try {
    for await (const e of stream) {
      out.events.push(e);
      if (e.type === 'delta') out.deltas.push(e.text);
      else out.done.push(e.completion);
    }
  } catch (e) {
    if (!isProviderError(e)) throw e;
    out.error = e;
  }
  return out;
}

/** Every way an error can be printed or serialized, its cause chain included. */
export function renderings(e: unknown): string[] {
  const out: string[] = [];
  let current: unknown = e;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    out.push(String(current), inspect(current, { depth: 10, showHidden: true }));
    try {
      out.push(JSON.stringify(current) ?? '');
    } catch {
      // not serializable: nothing to leak through JSON
    }
    if (current instanceof Error) out.push(current.message, current.stack ?? '');
    current = typeof current === 'object' && 'cause' in current ? current.cause : undefined;
  }
  return out;
}

/** An ErrorContext for unit tests of decoders and error readers. */
export function testContext(describeError: DescribeError, now = 1_700_000_000_000): ErrorContext {
  return { provider: 'test', clock: new ManualClock(now), describe: describeError, secrets: [] };
}

/** An SSE event from the parser. */
export function sse(data: unknown, event?: string): EventSourceMessage {
  return { data: typeof data === 'string' ? data : JSON.stringify(data), ...(event ? { event } : {}) };
}

/** Runs `fn` and returns the ProviderError it throws. */
export function thrown(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (e) {
    if (isProviderError(e)) return e;
    throw e;
  }
  throw new Error('expected a ProviderError to be thrown');
}

/** A full request with every sampling field set. */
export function fullRequest(): ChatRequest {
  return create(ChatRequestSchema, {
    messages: [
      { role: Role.SYSTEM, content: 'You are terse.' },
      { role: Role.SYSTEM, content: 'Answer in English.' },
      { role: Role.USER, content: 'Hi', name: 'ann' },
      { role: Role.ASSISTANT, content: 'Hello.' },
      { role: Role.USER, content: 'Tell me a joke.' },
    ],
    sampling: { temperature: 0.5, topP: 0.9, maxTokens: 100, stop: ['END'], seed: 42n, presencePenalty: 0.1, frequencyPenalty: 0.2 },
  });
}

/** A fetch that answers every call with this status, content type and body. */
export function fakeFetch(status: number, contentType: string, body: string, headers: Record<string, string> = {}): FetchLike {
  return async () => new Response(body, { status, headers: { 'content-type': contentType, ...headers } });
}

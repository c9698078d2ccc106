import { systemClock } from '@ultra/core';
import { Outcome, type ChatRequest } from '@ultra/contracts/chat';
import { malformed, problem } from './classify.ts';
import { isUnsupportedRequest } from './unsupported-request.ts';
import { classifyThrown } from './classify-thrown.ts';
import { readJson, send, type HttpCall, type HttpContext } from './http.ts';
import { defaultHttpFetch } from './http-fetch.ts';
import { streamAnswer } from './stream-answer.ts';
import type { AdapterDeps, Endpoint, ProviderAdapter } from './types.ts';
import type { WireSpec } from './wire-spec.ts';

/** A stream that throws `error` when it is first read. */
async function* failing(error: unknown): AsyncGenerator<never> {
  throw error;
}

/**
 * Builds a {@link ProviderAdapter} from one provider's {@link WireSpec}. Everything that
 * is the same for every provider lives here: HTTP through the injected fetch (default
 * `defaultHttpFetch`, node:http keep-alive), the
 * caller's AbortSignal on every call, JSON and SSE reading, and one classification of
 * every failure into a ProviderError. The key is read from the endpoint's Secret at each
 * call and only ever put into request headers.
 */
export function createWireAdapter(endpoint: Endpoint, deps: Partial<AdapterDeps>, spec: WireSpec): ProviderAdapter {
  const base = endpoint.baseUrl.replace(/\/+$/, '');
  const ctx: HttpContext = {
    provider: endpoint.name,
    clock: deps.clock ?? systemClock,
    fetch: deps.fetch ?? defaultHttpFetch(),
    describe: spec.describeError,
    secrets: endpoint.apiKey ? [endpoint.apiKey.reveal()] : [],
  };
  const call = (method: HttpCall['method'], path: string, accept: string, body?: unknown): HttpCall => ({
    method,
    url: `${base}${path}`,
    headers: {
      accept,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      'user-agent': 'ultra-gateway',
      ...spec.authHeaders(endpoint.apiKey?.reveal()),
    },
    ...(body === undefined ? {} : { body }),
  });

  /** The provider's form of a request; one it cannot take is a BAD_REQUEST naming why, before any HTTP. */
  const chat = (model: string, request: ChatRequest, stream: boolean) => {
    try {
      return spec.chat(model, request, stream);
    } catch (e) {
      if (isUnsupportedRequest(e)) throw problem(ctx, Outcome.BAD_REQUEST, e.message);
      throw e;
    }
  };

  return {
    endpoint,
    async complete(model, request, { signal }) {
      const { path, body } = chat(model, request, false);
      const res = await send(ctx, call('POST', path, 'application/json', body), signal);
      const json = await readJson(ctx, res, signal);
      try {
        return spec.parseCompletion(json, model, ctx, request);
      } catch (e) {
        throw classifyThrown(ctx, e, signal);
      }
    },
    // streamAnswer's own generator, not one delegating to it: a layer less per event.
    // A request the provider cannot take still fails at the first `next()`, not here.
    stream(model, request, { signal }) {
      let built: ReturnType<typeof chat>;
      try {
        built = chat(model, request, true);
      } catch (e) {
        return failing(e);
      }
      return streamAnswer(ctx, call('POST', built.path, 'text/event-stream', built.body), spec.createStreamDecoder(model, ctx, request), signal);
    },
    async probe({ signal }) {
      const res = await send(ctx, call('GET', spec.probePath, 'application/json'), signal);
      const json = await readJson(ctx, res, signal);
      if (!spec.isProbeAnswer(json)) throw malformed(ctx, 'the model list is not in the expected shape');
    },
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRecord, type Clock, type Random } from '@ultra/core';
import { buildAnswer, countWords, type SimRequest } from './answer.ts';
import type { ConcurrencyBook } from './concurrency.ts';
import type { Faults } from './faults.ts';
import { drawTiming } from './realistic.ts';
import { parseJson, readBody, sendJson, wait, writeSse } from './http-io.ts';
import { listWire, matchRoute, modelList, type Route } from './routes.ts';
import type { StatsBook } from './stats.ts';
import { streamAnswer } from './stream-out.ts';
import { withTools } from './tools/tool-answer.ts';
import { openAISimWire } from './wire/openai.ts';
import type { Reply, SimWire } from './wire/types.ts';

/** What a provider request needs from the simulator. */
export interface ProviderDeps {
  clock: Clock;
  random: Random;
  stats: StatsBook;
  faultsOf(name: string): Faults;
  /** When set, requests must carry this key the provider's way. */
  apiKey: string | undefined;
  models: readonly string[];
  nextId(): number;
  /** Chat requests in flight, for `maxConcurrent`. */
  concurrency?: ConcurrencyBook | undefined;
}

/**
 * Answers one request under `/NAME`: counts it, applies the provider's faults (closed
 * connection, hang, latency, injected errors in the provider's own shape), checks the
 * key when one is configured, then answers deterministically, whole or streamed.
 * `signal` aborts when the client goes away or the simulator closes.
 */
export async function handleProvider(
  deps: ProviderDeps,
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  url: URL,
  signal: AbortSignal,
): Promise<void> {
  const rest = url.pathname.slice(name.length + 1);
  const route = matchRoute(req.method, rest);
  deps.stats.request(name, route?.template ?? 'other', route?.kind === 'models');
  const body = req.method === 'POST' ? await readBody(req) : '';
  if (!route) {
    sendJson(res, 404, { error: { message: `provider-sim: no ${req.method} ${rest} (see docs/providers.md)`, type: 'not_found' } });
    return;
  }
  const faults = deps.faultsOf(name);
  if (faults.closeConnection || faults.hang) {
    deps.stats.fault(name);
    if (faults.closeConnection) req.socket.destroy();
    return; // a hanging request stays open until the client leaves or close() ends it
  }
  const wire = route.kind === 'chat' ? route.wire : listWire(route, req.headers);
  const shared = route.kind === 'models' && wire === openAISimWire;
  const reply = (r: Reply) => sendJson(res, r.status, shared ? withTopMessage(r.body) : r.body, r.headers);
  const inFlight = route.kind === 'chat' ? deps.concurrency?.enter(name, res) : undefined;
  if (inFlight !== undefined && faults.maxConcurrent !== undefined && inFlight > faults.maxConcurrent) {
    return injectError(deps, res, name, wire, { ...faults, errorStatus: 429, errorKind: undefined }, undefined, reply);
  }
  const jitter = faults.jitterMs > 0 ? deps.random() * faults.jitterMs : 0;
  const timing = route.kind === 'chat' && faults.realistic ? drawTiming(faults.realistic, deps.random) : undefined;
  if (!(await wait(deps.clock, faults.latencyMs + jitter + (timing?.ttftMs ?? 0), signal))) return;
  if (deps.apiKey !== undefined && !authorized(route, wire, req, deps.apiKey, url)) return reply(wire.unauthorized(req.headers));

  const inject = faults.errorRate > 0 && (faults.errorStatus !== undefined || faults.errorKind !== undefined) && deps.random() < faults.errorRate;
  if (route.kind === 'models') {
    if (inject) return injectError(deps, res, name, wire, faults, undefined, reply);
    return sendJson(res, 200, modelList(route, deps.models));
  }
  if (route.streamPath && url.searchParams.get('alt') !== 'sse') return reply(wire.badRequest('provider-sim streams only with alt=sse'));
  const request = wire.readRequest(parseJson(body), route.pathModel, route.streamPath);
  if (typeof request === 'string') return reply(wire.badRequest(request));
  if (inject) return injectError(deps, res, name, wire, faults, request, reply);

  const answer = withTools(buildAnswer(name, request, faults.chunks, `${wire.idPrefix}${deps.nextId()}`, deps.clock.now()), request, faults.chunks);
  // Realistic timing: the decode time spread over the stream's chunks, or waited before a whole answer.
  const decodeMs = timing ? (request.maxTokens !== undefined && request.maxTokens < timing.outputTokens ? (timing.decodeMs * request.maxTokens) / timing.outputTokens : timing.decodeMs) : 0;
  if (request.stream) {
    const paced = decodeMs > 0 ? { ...faults, chunkDelayMs: faults.chunkDelayMs + decodeMs / Math.max(1, answer.pieces.length) } : faults;
    return streamAnswer(deps, res, name, wire.stream(answer), answer.pieces, paced, signal);
  }
  if (decodeMs > 0 && !(await wait(deps.clock, decodeMs, signal))) return;
  const completion = wire.completion(answer);
  if (!faults.malformedJson) return sendJson(res, 200, completion);
  const text = JSON.stringify(completion);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(text.slice(0, Math.ceil(text.length / 2)));
}

function authorized(route: Route, wire: SimWire, req: IncomingMessage, key: string, url: URL): boolean {
  if (route.kind === 'chat') return wire.authorized(req.headers, key, url);
  return wire.authorized(req.headers, key, url) || openAISimWire.authorized(req.headers, key, url);
}

async function injectError(
  deps: ProviderDeps,
  res: ServerResponse,
  name: string,
  wire: SimWire,
  faults: Faults,
  request: SimRequest | undefined,
  reply: (r: Reply) => void,
): Promise<void> {
  deps.stats.fault(name);
  const kind = faults.errorKind;
  const status = faults.errorStatus ?? (kind === 'overloaded' ? wire.overloadedStatus : kind !== undefined ? 400 : 500);
  const promptTokens = request ? request.messages.reduce((n, m) => n + countWords(m.content), 0) : 0;
  const r = wire.error({ status, kind, retryAfterMs: faults.retryAfterMs, nowMs: deps.clock.now(), promptTokens });
  if (r.status !== 200 || !request?.stream) return reply(r);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  await writeSse(res, { data: JSON.stringify(r.body) });
  res.end();
}

/** Adds OpenAI's nested `error.message` at the top too, where Cohere's readers look (shared `/v1/models`). */
function withTopMessage(body: unknown): unknown {
  if (!isRecord(body)) return body;
  const error = body['error'];
  return isRecord(error) && typeof error['message'] === 'string' ? { ...body, message: error['message'] } : body;
}

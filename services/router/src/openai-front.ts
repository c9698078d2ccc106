import http from 'node:http';
import { Code } from '@connectrpc/connect';
import type { UltraConfig } from '@ultra/config';
import { ServedFrom } from '@ultra/contracts/chat';
import { isInvalidRequest, type Clock } from '@ultra/core';
import { attemptsOf, formatAttempts, type NodeHandler } from '@ultra/runtime';
import type { ChatFlow } from './chat-flow.ts';
import type { Guard } from './auth/guard.ts';
import { currentModeHeaders } from './mode-headers.ts';
import type { ModeState } from './mode-state.ts';
import { shedBeforeReading } from './flow/overload-admission.ts';
import type { OverloadGuard } from './flow/overload-guard.ts';
import { BadRequestError, finishReasonName, toChatRequest, toCompletionBody, toToolCallChunks, ultraHeaders } from './openai-mapping.ts';
import { isObject } from './openai-messages.ts';
import { openAiParam } from './bad-request.ts';
import { toRpcError } from './rpc-errors.ts';

/** The front listens on HTTP/1.1 only (`listen(address, front, 'http1')`): its requests and responses are these. */
type Req = http.IncomingMessage;
type Res = http.ServerResponse;

export interface OpenAiFrontDeps {
  flow: ChatFlow;
  config: UltraConfig;
  /** The mode every answer says, errors included (`x-ultra-mode`, `x-ultra-notice`). */
  mode: ModeState;
  clock: Clock;
  /** Connect and gRPC-Web, for every path this front does not serve itself. */
  fallback: NodeHandler;
  /** Largest request body accepted, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Client keys and per-key limits; absent or disabled: open (loopback only). */
  guard?: Guard | undefined;
  /** Ultra's own saturation: a request whose priority is shed entirely is refused before its body is read. */
  overload?: OverloadGuard | undefined;
  /** Prometheus scrape of the router's metrics, at `GET /metrics`. */
  metrics?: { handle(req: http.IncomingMessage, res: http.ServerResponse): void } | undefined;
}

const STATUS: Partial<Record<Code, [number, string]>> = {
  [Code.InvalidArgument]: [400, 'invalid_request_error'],
  [Code.FailedPrecondition]: [400, 'invalid_request_error'],
  [Code.NotFound]: [404, 'not_found_error'],
  [Code.ResourceExhausted]: [429, 'rate_limit_error'],
  [Code.Unavailable]: [503, 'service_unavailable'],
  [Code.DeadlineExceeded]: [504, 'timeout_error'],
  [Code.Canceled]: [499, 'cancelled'],
  [Code.Unauthenticated]: [401, 'authentication_error'],
  [Code.PermissionDenied]: [403, 'permission_error'],
};

function sendJson(res: Res, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** An error in OpenAI's shape, with `mode` (the mode headers) and what the error carries: attempts, Retry-After. */
function sendError(res: Res, err: unknown, mode: Record<string, string>): void {
  if (err instanceof BadRequestError) {
    sendJson(res, 400, { error: { message: err.message, type: 'invalid_request_error', param: err.param, code: null } }, mode);
    return;
  }
  if (isInvalidRequest(err)) {
    // as OpenAI answers a model it does not have: 404 `model_not_found` (the SDKs raise NotFoundError)
    const status = err.code === 'model_not_found' ? 404 : 400;
    sendJson(res, status, { error: { message: err.message, type: 'invalid_request_error', param: openAiParam(err.path), code: err.code ?? null } }, mode);
    return;
  }
  const e = toRpcError(err);
  const [status, type] = STATUS[e.code] ?? [500, 'server_error'];
  const headers: Record<string, string> = { ...mode };
  const attempts = attemptsOf(e);
  if (attempts.length > 0) headers['x-ultra-attempts'] = formatAttempts(attempts);
  const retryAfter = e.metadata.get('retry-after');
  if (retryAfter) headers['retry-after'] = retryAfter;
  // (the OpenAI SDKs read the finer `retry-after-ms` first, so a crowd refused together does not come back together)
  const retryAfterMs = e.metadata.get('retry-after-ms');
  if (retryAfterMs) headers['retry-after-ms'] = retryAfterMs;
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, status, { error: { message: e.rawMessage, type, param: null, code: Code[e.code] ?? null } }, headers);
}

async function readBody(req: Req, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BadRequestError(`the body is ${declared} bytes, over the limit of ${limit} bytes`, null);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    // (no encoding is set on the request, so every chunk is a Buffer)
    if (!Buffer.isBuffer(chunk)) throw new TypeError(`a request body chunk is a ${typeof chunk}, not a Buffer`);
    size += chunk.length;
    if (size > limit) throw new BadRequestError(`the body is over the limit of ${limit} bytes`, null);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new BadRequestError(`the body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, null);
  }
}

/** A model id from a URL path segment; a malformed %-escape is looked up unchanged (and not found). */
function modelIdOf(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The router's HTTP/1.1 front: OpenAI's `POST /v1/chat/completions` (plain and SSE) and
 * `GET /v1/models`, `/healthz`, and Connect/gRPC-Web for everything else.
 */
export function createOpenAiFront(deps: OpenAiFrontDeps): NodeHandler {
  const { flow, config, clock } = deps;
  const limit = deps.maxBodyBytes ?? 1024 * 1024;
  const modelIds = () => new Set([...Object.keys(config.models), ...Object.values(config.providers).flatMap((p) => p.models)]);
  const model = (id: string) => ({ id, object: 'model', created: 0, owned_by: 'ultra' });
  const models = () => ({ object: 'list', data: [...modelIds()].map(model) });
  /** An error in OpenAI's shape, for the paths and methods of `/v1/` that are not served. */
  const openAiError = (res: Res, status: number, message: string, code: string, param: string | null = null) =>
    sendJson(res, status, { error: { message, type: 'invalid_request_error', param, code } }, currentModeHeaders(deps.mode));

  const chat = async (req: Req, res: Res) => {
    const abort = new AbortController();
    // Cancels the work below only when the caller went away before the answer was out:
    // aborting a finished request builds a DOMException and runs every linked listener.
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const shed = shedBeforeReading(deps.overload, req.headers['x-ultra-priority']);
    if (shed) return sendError(res, shed, currentModeHeaders(deps.mode));
    const key = deps.guard?.identify(req.headers.authorization);
    const body = await readBody(req, limit);
    const stream = isObject(body) && body['stream'] === true;
    const admitted = deps.guard ? await deps.guard.admit(key, toChatRequest(body, req.headers), stream) : undefined;
    res.once('close', () => void admitted?.release());
    const request = admitted?.request ?? toChatRequest(body, req.headers);
    const tenant = admitted?.tenant;
    if (!stream) {
      const answer = await flow.complete(request, { signal: abort.signal, tenant });
      if (answer.servedFrom === ServedFrom.QUEUE) {
        // Deferred by the degraded mode: accepted, to be answered by the job.
        sendJson(res, 202, { id: answer.jobId, object: 'ultra.job', status: 'queued', notice: answer.notice }, ultraHeaders(answer));
        return;
      }
      sendJson(res, 200, toCompletionBody(answer), ultraHeaders(answer));
      return;
    }
    const options = isObject(body) ? body['stream_options'] : undefined;
    const includeUsage = isObject(options) && options['include_usage'] === true;
    let id = '';
    let started = false;
    const write = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    for await (const event of flow.stream(request, { signal: abort.signal, tenant })) {
      if (!started) {
        started = true;
        id = `chatcmpl-ultra-${clock.now().toString(36)}`;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...currentModeHeaders(deps.mode) });
      }
      const created = Math.floor(clock.now() / 1000);
      if (event.type === 'delta') {
        const tools = event.toolCalls?.length ? { tool_calls: toToolCallChunks(event.toolCalls) } : {};
        const delta = { role: 'assistant', ...(event.text !== '' || !tools.tool_calls ? { content: event.text } : {}), ...tools };
        write({ id, object: 'chat.completion.chunk', created, model: request.model, choices: [{ index: 0, delta, finish_reason: null }] });
      } else {
        const a = event.answer;
        const ultra = ultraHeaders(a);
        write({ id, object: 'chat.completion.chunk', created, model: a.model, choices: [{ index: 0, delta: {}, finish_reason: finishReasonName(a.finishReason) }], ultra });
        if (includeUsage) {
          write({ id, object: 'chat.completion.chunk', created, model: a.model, choices: [], usage: toCompletionBody(a).usage });
        }
      }
    }
    res.end('data: [DONE]\n\n');
  };

  return (req, res) => {
    // Only an HTTP/2 request (which the HTTP/1.1 listener never passes on) is not one of these: Connect serves both.
    if (!(req instanceof http.IncomingMessage) || !(res instanceof http.ServerResponse)) return deps.fallback(req, res);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      chat(req, res).catch((err: unknown) => {
        if (res.headersSent) {
          const e = toRpcError(err);
          res.end(`data: ${JSON.stringify({ error: { message: e.rawMessage, type: 'stream_error', code: Code[e.code] }, ultra: currentModeHeaders(deps.mode) })}\n\n`);
        } else sendError(res, err, currentModeHeaders(deps.mode));
      });
    } else if (req.method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) {
      try {
        deps.guard?.identify(req.headers.authorization);
        if (path === '/v1/models') {
          sendJson(res, 200, models());
          return;
        }
        // What the SDKs' models.retrieve(id) asks for.
        const id = modelIdOf(path.slice('/v1/models/'.length));
        if (modelIds().has(id)) sendJson(res, 200, model(id));
        else openAiError(res, 404, `The model '${id}' does not exist here; GET /v1/models lists the ones Ultra serves`, 'model_not_found', 'model');
      } catch (e) {
        sendError(res, e, currentModeHeaders(deps.mode));
      }
    } else if (path === '/v1/chat/completions' || path === '/v1/models') {
      const allowed = path === '/v1/models' ? 'GET' : 'POST';
      res.setHeader('allow', allowed);
      openAiError(res, 405, `${req.method} ${path} is not served; use ${allowed}`, 'method_not_allowed');
    } else if (path.startsWith('/v1/')) {
      // Another OpenAI API (embeddings, responses, images, ...): say so in OpenAI's shape,
      // so that an SDK raises a NotFoundError naming it rather than a bare 404.
      openAiError(res, 404, `Ultra does not serve ${req.method} ${path}; it serves POST /v1/chat/completions and GET /v1/models`, 'unknown_url');
    } else if (req.method === 'GET' && path === '/metrics' && deps.metrics) {
      deps.metrics.handle(req, res);
    } else if (req.method === 'GET' && path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
    } else {
      deps.fallback(req, res);
    }
  };
}

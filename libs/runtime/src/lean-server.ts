import type http from 'node:http';
import { fromBinary, toBinary, type DescMethod } from '@bufbuild/protobuf';
import { Code, ConnectError, createContextValues, type HandlerContext, type Interceptor, type MethodImplSpec } from '@connectrpc/connect';
import { invokeUnaryImplementation } from '@connectrpc/connect/protocol';
import { codeToHttpStatus, errorToJsonBytes, parseTimeout, trailerMux } from '@connectrpc/connect/protocol-connect';
import { systemClock, type Clock } from '@ultra/core';
import { endCall } from './call-end.ts';
import type { NodeHandler } from './listener.ts';

/** Connect's own limit on a message read when none is configured (as `connectNodeAdapter`'s). */
const CONNECT_READ_MAX = 0xffffffff;

type UnarySpec = MethodImplSpec & { kind: 'unary' };

/** The request headers as web `Headers` (HTTP/2 pseudo-headers left out), as connect hands them to handlers. */
function webHeaders(raw: http.IncomingHttpHeaders): Headers {
  const header = new Headers();
  for (const key in raw) {
    if (key.charCodeAt(0) === 58 /* ':' */) continue;
    const value = raw[key];
    if (typeof value === 'string') header.set(key, value);
    else if (Array.isArray(value)) for (const v of value) header.append(key, v);
  }
  return header;
}

/** What a request's body is, once read: its bytes, or why it was refused. */
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        reject(new ConnectError(`message size is larger than configured readMaxBytes ${maxBytes}`, Code.ResourceExhausted));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      const joined = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      // A plain Uint8Array, so that decoded bytes fields are not Buffers (as connect's).
      resolve(new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength));
    });
    req.once('error', (e) => reject(ConnectError.from(e, Code.Canceled)));
  });
}

/**
 * The Node handler of a service's RPC port with a lean path for what Ultra's own services
 * send each other most: Connect unary calls in binary protobuf (`POST`, `application/proto`,
 * no compression), as `lean-unary.ts` writes them. Those are answered here, with the same
 * server interceptors, handler context (headers both ways, trailers as `trailer-` headers,
 * the `connect-timeout-ms` deadline in `timeoutMs()` and on the signal, the signal aborted
 * when the caller resets the stream), and errors (the HTTP status of the code, the JSON
 * error body with details, metadata as headers; a thrown non-ConnectError is "internal
 * error") as connect's handler, without its per-call machinery: web `Request`s and
 * async-iterable bodies, two linked AbortControllers, a deadline signal, and the
 * `DOMException` built when each call ends. Everything else (gRPC, gRPC-Web, JSON, GET,
 * compressed bodies, streams, an unknown path, a malformed header) goes to `fallback`,
 * connect's own adapter, which answers it or says what is wrong with it.
 */
export function createLeanUnaryHandler(
  methods: ReadonlyMap<DescMethod, MethodImplSpec>,
  fallback: NodeHandler,
  options: { interceptors: readonly Interceptor[]; readMaxBytes?: number; clock?: Clock },
): NodeHandler {
  const clock = options.clock ?? systemClock;
  const readMax = options.readMaxBytes ?? CONNECT_READ_MAX;
  const interceptors = [...options.interceptors];
  const byPath = new Map<string, UnarySpec>();
  for (const spec of methods.values()) if (spec.kind === 'unary') byPath.set(`/${spec.method.parent.typeName}/${spec.method.name}`, spec);

  return (req, res) => {
    const h = req.headers;
    const spec = req.method === 'POST' ? byPath.get(req.url ?? '') : undefined;
    const encoding = h['content-encoding'];
    const version = h['connect-protocol-version'];
    const timeout = parseTimeout((h['connect-timeout-ms'] as string | undefined) ?? null, Number.MAX_SAFE_INTEGER);
    if (!spec || h['content-type'] !== 'application/proto' || (encoding !== undefined && encoding !== 'identity') || (version !== undefined && version !== '1') || timeout.error) {
      fallback(req, res);
      return;
    }
    const method = spec.method;
    const controller = new AbortController();
    const deadline = timeout.timeoutMs === undefined ? undefined : clock.now() + timeout.timeoutMs;
    const timer = deadline === undefined ? undefined : clock.setTimeout(() => controller.abort(new ConnectError('the operation timed out', Code.DeadlineExceeded)), timeout.timeoutMs!);
    // The caller gone before the answer (its stream reset): the handler is told, as connect's is.
    const onClose = () => {
      if (!res.writableEnded) controller.abort(new ConnectError('the caller closed the stream', Code.Canceled));
    };
    res.once('close', onClose);
    const context: HandlerContext = {
      service: method.parent,
      method,
      protocolName: 'connect',
      requestMethod: 'POST',
      url: req.url ?? '',
      signal: controller.signal,
      timeoutMs: () => (deadline === undefined ? undefined : deadline - clock.now()),
      requestHeader: webHeaders(h),
      responseHeader: new Headers({ 'content-type': 'application/proto' }),
      responseTrailer: new Headers(),
      values: createContextValues(),
    };
    // (`.then` here, in the handler's call: the work runs in the listener's server span)
    readBody(req as http.IncomingMessage, readMax)
      .then((bytes) => invokeUnaryImplementation(spec, context, fromBinary(method.input, bytes), interceptors))
      .then(
        (output) => answer(200, toBinary(method.output, output)),
        (e: unknown) => {
          const error = e instanceof ConnectError ? e : new ConnectError('internal error', Code.Internal, undefined, undefined, e);
          if (!controller.signal.aborted) controller.abort(error);
          context.responseHeader.set('content-type', 'application/json');
          error.metadata.forEach((value, key) => context.responseHeader.set(key, value));
          answer(codeToHttpStatus(error.code), errorToJsonBytes(error, undefined));
        },
      );
    const answer = (status: number, body: Uint8Array) => {
      clock.clearTimeout(timer);
      res.off('close', onClose);
      endCall(controller);
      if (res.writableEnded || res.destroyed) return;
      const out: Record<string, string> = {};
      trailerMux(context.responseHeader, context.responseTrailer).forEach((value, key) => (out[key] = value));
      out['content-length'] = String(body.byteLength);
      res.writeHead(status, out);
      res.end(body);
    };
  };
}

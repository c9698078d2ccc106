import http2 from 'node:http2';
import { create, fromBinary, isMessage, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, createContextValues, type Interceptor, type StreamRequest, type StreamResponse, type Transport, type UnaryRequest, type UnaryResponse } from '@connectrpc/connect';
import { codeFromHttpStatus, errorFromJsonBytes, trailerDemux } from '@connectrpc/connect/protocol-connect';
import { systemClock, type Clock } from '@ultra/core';
import type { SessionLike } from './dial-pool.ts';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM } = http2.constants;
/** Times a refused stream is sent again. */
const MAX_REFUSALS = 3;
const NEVER = new AbortController().signal;
/** Node error codes of a connection that never was or is gone (those connect-node reads). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_STREAM_CANCEL', 'ERR_HTTP2_INVALID_SESSION']);

/** What an interceptor wraps: Connect types it for both kinds of call. */
type AnyNext = (req: UnaryRequest | StreamRequest) => Promise<UnaryResponse | StreamResponse>;

/** `header` with `connect-timeout-ms` set for a call of `timeoutMs` (none when undefined or ≤ 0). */
function withTimeout(header: Headers, timeoutMs: number | undefined): Headers {
  if (timeoutMs !== undefined && timeoutMs > 0) header.set('connect-timeout-ms', String(Math.ceil(timeoutMs)));
  return header;
}

/** A Node error from the connection, turned into a ConnectError: UNAVAILABLE when the service could not be reached. */
function fromNodeError(e: unknown): ConnectError {
  if (e instanceof ConnectError) return e;
  const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  return ConnectError.from(e, typeof code === 'string' && UNREACHABLE.has(code) ? Code.Unavailable : Code.Internal);
}

/**
 * Unary calls in Connect's protocol (binary protobuf, one HTTP/2 stream per call) written
 * straight onto the shared session, with the same interceptors, headers, deadline
 * (`connect-timeout-ms`), cancellation and errors (the JSON error body with its details)
 * as `createConnectTransport`, without its per-call machinery: async-iterable bodies, web
 * `Headers` round trips, a linked AbortController and a deadline signal per call, and the
 * sentinel error and DOMException built when each call ends. Streaming calls go to `base`
 * (Connect's own transport on the same session). Deadlines are timed on `clock`.
 */
export function createLeanUnaryTransport(base: Transport, options: { baseUrl: string; session: SessionLike; interceptors: Interceptor[]; clock?: Clock }): Transport {
  const { session, baseUrl } = options;
  const clock = options.clock ?? systemClock;
  /** One try of a call due by `deadlineAt` (epoch ms; undefined: none): an interceptor that retries gets what is left. */
  const call = (req: UnaryRequest, deadlineAt: number | undefined): Promise<UnaryResponse> => {
    const method = req.method;
    const timeoutMs = deadlineAt === undefined ? undefined : deadlineAt - clock.now();
    if (timeoutMs !== undefined && timeoutMs <= 0) return Promise.reject(new ConnectError('the operation timed out', Code.DeadlineExceeded));
    const headers: http2.OutgoingHttpHeaders = {};
    req.header.forEach((value, key) => (headers[key] = value));
    headers['content-type'] = 'application/proto';
    headers['connect-protocol-version'] = '1';
    if (timeoutMs !== undefined) headers['connect-timeout-ms'] = String(Math.max(1, Math.ceil(timeoutMs)));
    const body = toBinary(method.input, req.message);
    return new Promise<UnaryResponse>((resolve, reject) => {
      let stream: http2.ClientHttp2Stream | undefined;
      let timer: unknown;
      let settled = false;
      // Set once the answer has been read to its end: the stream is then done, and resetting
      // it would send a needless RST_STREAM (servers count those: rapid-reset protection).
      let ended = false;
      const settle = (error: ConnectError | undefined, res?: UnaryResponse) => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        req.signal.removeEventListener('abort', onAbort);
        if (error) {
          if (stream && !stream.closed && !ended) stream.close(NGHTTP2_CANCEL);
          reject(error);
        } else resolve(res!);
      };
      const onAbort = () => settle(ConnectError.from(req.signal.reason ?? new Error('the operation was aborted'), Code.Canceled));
      if (req.signal.aborted) return onAbort();
      req.signal.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) timer = clock.setTimeout(() => settle(new ConnectError('the operation timed out', Code.DeadlineExceeded)), timeoutMs);
      // A stream the server left unanswered as its GOAWAY crossed it (reset with
      // REFUSED_STREAM or CANCEL before any response header) was not processed: it is sent
      // again, on a new connection (maybe another endpoint), a few times at most.
      let refusals = 0;
      const send = () => session.request('POST', `/${method.parent.typeName}/${method.name}`, headers, {}).then(
        (s) => {
          stream = s;
          if (settled) {
            s.close(NGHTTP2_CANCEL);
            return;
          }
          let status = 0;
          let responseHeaders: http2.IncomingHttpHeaders = {};
          const chunks: Buffer[] = [];
          s.on('response', (h) => {
            status = Number(h[':status']);
            responseHeaders = h;
          });
          s.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            session.notifyResponseByteRead(s);
          });
          s.on('end', () => {
            ended = true;
            const joined = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
            // A plain Uint8Array, so that decoded bytes fields are not Buffers (as with Connect's own transport).
            const bytes = new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
            const all = new Headers();
            for (const [k, v] of Object.entries(responseHeaders)) if (!k.startsWith(':') && v !== undefined) all.set(k, Array.isArray(v) ? v.join(', ') : String(v));
            const [header, trailer] = trailerDemux(all);
            if (status === 0) {
              if (!resend()) settle(new ConnectError('the stream closed without an answer', Code.Unavailable));
              return;
            }
            if (status !== 200) {
              const fallback = new ConnectError(`HTTP ${status}`, codeFromHttpStatus(status), all);
              let error: ConnectError;
              try {
                error = errorFromJsonBytes(bytes, all, fallback);
              } catch {
                error = fallback;
              }
              settle(error);
              return;
            }
            try {
              settle(undefined, { stream: false, service: method.parent, method, header, trailer, message: fromBinary(method.output, bytes) });
            } catch (e) {
              settle(ConnectError.from(e, Code.Internal));
            }
          });
          let resent = false;
          /** Sends the call again if the server refused this stream (once per stream: 'error' and 'close' both come). */
          const resend = (e?: Error) => {
            if (resent) return true;
            // Node cancels (CANCEL, or REFUSED_STREAM) a stream a GOAWAY left out before any answer.
            const wasRefused = s.rstCode === NGHTTP2_REFUSED_STREAM || s.rstCode === NGHTTP2_CANCEL || /REFUSED_STREAM/.test(e?.message ?? '');
            if (settled || status !== 0 || !wasRefused || refusals >= MAX_REFUSALS) return false;
            resent = true;
            refusals++;
            send();
            return true;
          };
          s.on('error', (e) => {
            if (!resend(e)) settle(fromNodeError(e));
          });
          s.on('close', () => {
            // After 'end' (the usual case) there is nothing to settle: build no error for it.
            if (settled || resend()) return;
            if (s.rstCode === NGHTTP2_NO_ERROR || s.rstCode === undefined) return settle(new ConnectError('the stream closed without an answer', Code.Unavailable));
            settle(new ConnectError(`the stream was reset (HTTP/2 code ${s.rstCode})`, s.rstCode === NGHTTP2_CANCEL ? Code.Canceled : Code.Unavailable));
          });
          s.end(body);
        },
        (e: unknown) => settle(fromNodeError(e)),
      );
      send();
    });
  };

  return {
    stream: (...args) => base.stream(...args),
    async unary(method, signal, timeoutMs, header, message, contextValues) {
      const deadlineAt = timeoutMs === undefined || timeoutMs <= 0 ? undefined : clock.now() + timeoutMs;
      // Only unary requests are made below; a streaming one here would be an interceptor's bug.
      const inner: AnyNext = (req) => (req.stream ? Promise.reject(new ConnectError(`${req.method.name}: a streaming request reached the unary path`, Code.Internal)) : call(req, deadlineAt));
      const next = options.interceptors.reduceRight<AnyNext>((n, interceptor) => interceptor(n), inner);
      const res = await next({
        stream: false,
        service: method.parent,
        method,
        requestMethod: 'POST',
        url: `${baseUrl}/${method.parent.typeName}/${method.name}`,
        // The deadline in the header before the interceptors, as Connect's own transport puts it.
        header: withTimeout(new Headers(header), timeoutMs),
        contextValues: contextValues ?? createContextValues(),
        message: isMessage(message, method.input) ? message : create(method.input, message),
        signal: signal ?? NEVER,
      });
      if (res.stream || !isMessage(res.message, method.output)) {
        throw new ConnectError(`${method.name}: an interceptor answered with ${res.stream ? 'a stream' : res.message.$typeName}, not ${method.output.typeName}`, Code.Internal);
      }
      return { ...res, method, message: res.message };
    },
  };
}

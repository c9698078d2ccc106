import http from 'node:http';
import https from 'node:https';
import { bodyChunks } from './body-chunks.ts';
import type { AnswerBody, FetchLike, HeaderLookup, HttpAnswer } from './types.ts';

/**
 * The HTTP client every adapter calls by default: `node:http` and `node:https` over
 * keep-alive agents (one connection pool per process, as `fetch`'s global dispatcher is),
 * answering with the few things adapters read ({@link HttpAnswer}). It is `fetch` less
 * what a gateway pays for and does not use: WHATWG `Request`/`Response`/`Headers` objects
 * and web streams around every call, and transparent decompression (no
 * `accept-encoding` is sent, so providers answer uncompressed). On Ultra's cache-miss
 * path that was about a tenth of a process's CPU (`reports/bench-profile.md`).
 *
 * Like `fetch` with `redirect: 'manual'` it never follows a redirect; an abort of the
 * signal destroys the request or the body being read (an `AbortError`); a call that
 * fails before its answer rejects with a TypeError "fetch failed" carrying Node's error
 * (`ECONNREFUSED`, a TLS failure) as its cause, and a body that drops with Node's
 * `ECONNRESET`: the adapters classify both as CONNECTION, as with `fetch`.
 */
export function createHttpFetch(options: { readonly maxFreeSockets?: number } = {}): FetchLike {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo', maxFreeSockets: options.maxFreeSockets ?? 256 }),
    'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo', maxFreeSockets: options.maxFreeSockets ?? 256 }),
  };
  return (url, init) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const target = new URL(url);
      const agent = target.protocol === 'https:' ? agents['https:'] : target.protocol === 'http:' ? agents['http:'] : undefined;
      if (!agent) return reject(new TypeError(`unsupported protocol ${target.protocol} in ${target.origin} (http: or https:)`));
      const headers: Record<string, string | number> = { ...init.headers };
      if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
      const { signal } = init;
      if (signal.aborted) return reject(abortError(signal));
      const send = target.protocol === 'https:' ? https.request : http.request;
      // The signal is watched here, not passed to `request`: Node's own watch destroys the
      // socket on an abort even after the answer is read, and the pool would keep none.
      const req = send(target, { method: init.method, headers, agent });
      let res: http.IncomingMessage | undefined;
      const onAbort = () => (res ?? req).destroy(abortError(signal));
      const done = () => signal.removeEventListener('abort', onAbort);
      signal.addEventListener('abort', onAbort, { once: true });
      // As `fetch` does: a call that failed before any answer (refused, reset, a TLS
      // failure) is a TypeError "fetch failed" with Node's error as its cause.
      req.once('error', (e) => (done(), reject(signal.aborted ? e : new TypeError('fetch failed', { cause: e }))));
      req.once('response', (answer) => {
        res = answer;
        answer.once('end', done).once('close', done);
        resolve(answerOf(answer, done));
      });
      req.end(init.body);
    });
}

/** How long an answer left early may take to end by itself before its connection is closed, ms. */
const DRAIN_MS = 1_000;

function release(res: http.IncomingMessage): void {
  if (res.complete || res.destroyed) return;
  const timer = setTimeout(() => res.destroy(), DRAIN_MS);
  res.once('close', () => clearTimeout(timer));
  res.resume();
}

/** What `fetch` rejects with on an abort: the signal's reason, else an `AbortError`. */
const abortError = (signal: AbortSignal): Error => (signal.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError'));

/** `unwatch`: stops the abort signal's watch (the call is over for its caller). */
function answerOf(res: http.IncomingMessage, unwatch: () => void): HttpAnswer {
  const status = res.statusCode ?? 0;
  const headers: HeaderLookup = {
    get(name) {
      const v = res.headers[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
  };
  const body: AnswerBody = {
    [Symbol.asyncIterator]() {
      const chunks = bodyChunks(res);
      return {
        next: () => chunks.next(),
        // A reader that stops early (an adapter has the whole answer once it reads the
        // stream's last event, often a few bytes before the body's end) lets the rest drain
        // so the connection goes back to the pool, and ends it if the rest does not come.
        return: async () => (chunks.stop(), unwatch(), release(res), { done: true, value: undefined }),
      };
    },
    cancel: async () => void res.destroy(),
  };
  return { status, ok: status >= 200 && status < 300, headers, body };
}

let shared: FetchLike | undefined;

/** The process's one {@link createHttpFetch} client (one connection pool), made on first use. */
export const defaultHttpFetch = (): FetchLike => (shared ??= createHttpFetch());

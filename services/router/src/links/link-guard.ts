import type { Message } from '@bufbuild/protobuf';
import { Code, ConnectError, type Interceptor, type StreamRequest, type StreamResponse, type UnaryRequest } from '@connectrpc/connect';
import { createAsyncIterable } from '@connectrpc/connect/protocol';
import type { Clock, Random } from '@ultra/core';
import { createBackoff, sleep, type ConsecutiveBreaker, type ConsecutivePermit } from '@ultra/resilience';
import { judgeLinkError, LinkDownError, linkFailure } from './link-errors.ts';

/** Retries of a call the link cut before the service answered. */
export interface LinkRetryOptions {
  /** First wait before a cut call is tried again on a new connection; doubles each time. Milliseconds. Default 20. */
  readonly baseMs: number;
  /** No new try starts this long after the call's first one. Milliseconds. Default 400. */
  readonly windowMs: number;
}

export const defaultLinkRetryOptions: LinkRetryOptions = Object.freeze({ baseMs: 20, windowMs: 400 });

/** Options of {@link createLinkGuard}. */
export interface LinkGuardOptions {
  /** The service at the other end, named in errors (`cache`, `provider-agent`). */
  readonly service: string;
  readonly breaker: ConsecutiveBreaker;
  readonly clock: Clock;
  /** The methods guarded, by local name (`invoke`); the others pass untouched (a watch stream that shows the service is back). */
  readonly methods: readonly string[];
  /** Whether a call that ran out of time counts against the link: yes for the cache's tight timeouts, no for the agent, whose calls wait on providers. */
  readonly countDeadline: boolean;
  /** Retry cut calls while the link was last seen well; absent: never. */
  readonly retry?: Partial<LinkRetryOptions> | undefined;
}

/** The caller's deadline, which the Connect protocol carries in `connect-timeout-ms`, on `clock`; infinite when none. */
function deadlineOf(header: Headers, now: number): number {
  const ms = Number(header.get('connect-timeout-ms') ?? Number.NaN);
  return Number.isFinite(ms) ? now + ms : Number.POSITIVE_INFINITY;
}

/** The link's backoff has no jitter: it never draws. */
const NO_DRAW: Random = () => 0;

function end(permit: ConsecutivePermit, verdict: 'answered' | 'neutral'): void {
  if (verdict === 'answered') permit.success();
  else permit.neutral();
}

/**
 * A client interceptor that puts the router's link to one of its own services behind a
 * {@link ConsecutiveBreaker} (pass it to `createServiceClient`):
 *
 * - while the breaker is open a call fails at once with {@link LinkDownError}
 *   (`UNAVAILABLE`), without dialling, so the request path goes straight to what it does
 *   without the service (a miss for the cache; the stale cache, the queue or a clear 503
 *   for the agent); one trial call every `openMs` finds the service when it is back;
 * - a call the link fails (refused, reset, dropped, and for `countDeadline` no answer in
 *   time) counts against the breaker and reaches the caller as `UNAVAILABLE` (worth a
 *   failover), never as `CANCELED`: a cut HTTP/2 session reads as a cancellation;
 * - with `retry`, a call cut before the service answered is tried again after 20, 40,
 *   80… ms (`@ultra/resilience`'s backoff, no jitter), for up to `windowMs` and within
 *   the caller's deadline, so a blip costs tens of milliseconds rather than the request
 *   (the agent may have started the provider call: a retry costs what a failover would).
 *   Once calls are failing (`breaker.suspect`) none is retried: a dead service costs one
 *   refused dial per call. A stream is retried only until its first message is out.
 * - the service's own errors pass through untouched: they prove the link works.
 */
export function createLinkGuard(options: LinkGuardOptions): Interceptor {
  const { service, breaker, clock, countDeadline } = options;
  const methods = new Set(options.methods);
  const retry = options.retry && { ...defaultLinkRetryOptions, ...options.retry };
  const backoffOf = (r: LinkRetryOptions) => createBackoff({ baseMs: r.baseMs, capMs: r.windowMs, jitter: 'none' }, NO_DRAW);

  /** Runs `call` until the service answers, the retry window or the deadline ends, or the breaker opens. */
  async function guarded<T>(req: UnaryRequest | StreamRequest, call: () => Promise<T>): Promise<T> {
    const permit = breaker.tryStart();
    if (!permit) throw new LinkDownError(service, breaker.openUntil - clock.now());
    const started = clock.now();
    const deadlineAt = deadlineOf(req.header, started);
    // Retries are for a link last seen well (a blip); once calls are failing, each fails on its first try.
    let backoff = retry && !breaker.suspect ? backoffOf(retry) : undefined;
    for (;;) {
      const left = deadlineAt - clock.now();
      if (Number.isFinite(left)) req.header.set('connect-timeout-ms', String(Math.max(1, Math.ceil(left))));
      try {
        const value = await call();
        permit.success();
        return value;
      } catch (e) {
        const verdict = judgeLinkError(e, req.signal, countDeadline);
        if (verdict !== 'failed') {
          end(permit, verdict);
          throw e;
        }
        const step = backoff?.next();
        const now = clock.now();
        if (!retry || !step || now - started + step.delayMs > retry.windowMs || now + step.delayMs >= deadlineAt || breaker.state === 'open') {
          permit.failure();
          throw linkFailure(service, e);
        }
        backoff = step.next;
        if (!(await sleep(clock, step.delayMs, req.signal))) {
          permit.neutral();
          throw linkFailure(service, e);
        }
      }
    }
  }

  /** A server stream, opened (and retried) until its first message, then read through. */
  async function guardedStream(next: (req: StreamRequest) => Promise<StreamResponse>, req: StreamRequest): Promise<StreamResponse> {
    const input: Message[] = [];
    for await (const m of req.message) input.push(m);
    const opened = await guarded(req, async () => {
      const res = await next({ ...req, message: createAsyncIterable(input) });
      const it = res.message[Symbol.asyncIterator]();
      return { res, it, first: await it.next() };
    });
    async function* rest(): AsyncGenerator<Message> {
      try {
        for (let r = opened.first; !r.done; r = await opened.it.next()) yield r.value;
      } finally {
        // A consumer that stops early cancels the call below.
        await opened.it.return?.();
      }
    }
    return { ...opened.res, message: rest() };
  }

  return (next) => async (req) => {
    if (!methods.has(req.method.localName)) return next(req);
    if (!req.stream) return guarded(req, () => next(req));
    if (req.method.methodKind !== 'server_streaming') return next(req);
    return guardedStream(async (r) => {
      const res = await next(r);
      if (!res.stream) throw new ConnectError(`${service}: a unary answer to the stream ${req.method.localName}`, Code.Internal);
      return res;
    }, req);
  };
}

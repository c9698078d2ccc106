import { isMessage, type DescMessage, type DescMethod, type DescMethodStreaming, type DescMethodUnary } from '@bufbuild/protobuf';
import { context, type Context } from '@opentelemetry/api';
import {
  Code,
  ConnectError,
  createContextValues,
  type HandlerContext,
  type Interceptor,
  type MethodImplSpec,
  type Transport,
} from '@connectrpc/connect';
import { invokeUnaryImplementation, transformInvokeImplementation } from '@connectrpc/connect/protocol';
import { CALL_ENDED } from './call-end.ts';
import { runLocalStream } from './local-stream.ts';
import { runLocalUnary } from './local-unary.ts';
import { tracingOff, withServerSpan } from '@ultra/telemetry';
import { systemClock, type Clock } from '@ultra/core';

/** What a service serves, reached by an in-process caller: its methods and its server interceptors. */
export interface LocalEndpoint {
  /** The service (`router`, `cache`, ...) the calls belong to, for its spans' `service.name`. */
  readonly service: string;
  /** Each method's implementation, by the method's descriptor. */
  readonly methods: ReadonlyMap<DescMethod, MethodImplSpec>;
  /** The server interceptors the service's listener runs (the admin check, ...). */
  readonly interceptors: readonly Interceptor[];
  /** Calls received in process and not yet answered (a stream until it ends). */
  readonly calls: { inFlight: number };
}

const headerRecord = (header: Headers) => {
  const rec: Record<string, string> = {};
  header.forEach((v, k) => (rec[k] = v));
  return rec;
};

type Values = ReturnType<typeof createContextValues>;
type End = (failed: boolean, message?: string) => void;

/** Opens the callee's server span (continuing the trace the headers carry); returns its context and its end. */
function openServerSpan(endpoint: LocalEndpoint, method: DescMethod, header: Headers): { ctx: Context; end: End } {
  let end: End = () => undefined;
  let ctx = context.active();
  if (tracingOff()) return { ctx, end };
  withServerSpan(headerRecord(header), `POST /${method.parent.typeName}/${method.name}`, (e) => (end = e), () => (ctx = context.active()), endpoint.service);
  return { ctx, end };
}

/**
 * A Connect transport that hands each call to the endpoint `resolve` returns, in this
 * process: no socket and no encoding (the messages themselves are passed), with everything
 * else a call over the network has: the client interceptors (trace propagation), the
 * server interceptors, headers both ways, the deadline (`timeoutMs()` in the handler,
 * DEADLINE_EXCEEDED for the caller), cancellation (the caller's signal aborts the
 * handler's, and ends a stream's handler as a reset stream would), errors as
 * `ConnectError` with their code, metadata and details, and a server span that continues
 * the caller's trace under the callee's `service.name`. `resolve` is asked at each call,
 * so a service that has not started yet answers UNAVAILABLE, as a closed port would.
 *
 * Messages are shared, not copied: a handler must not change a request it was given, nor
 * a caller an answer it got (Ultra's handlers build new messages). `clock` times the
 * handler's `timeoutMs()`.
 */
export function createLocalTransport(resolve: () => LocalEndpoint | undefined, clientInterceptors: Interceptor[], clock: Clock = systemClock): Transport {
  const target = (method: DescMethod) => {
    const endpoint = resolve();
    if (!endpoint) throw new ConnectError(`${method.parent.typeName} is not running in this process yet`, Code.Unavailable);
    const spec = endpoint.methods.get(method);
    if (!spec) throw new ConnectError(`${method.parent.typeName}/${method.name} is not implemented`, Code.Unimplemented);
    return { endpoint, spec };
  };
  /**
   * A unary handler's context, lighter than `createHandlerContext`'s (which links two more
   * AbortControllers and copies the request headers, then must be aborted at the end): the
   * handler's signal is the call's own, which the caller's signal and deadline abort and
   * which `runLocalUnary` ends with the call.
   */
  const unaryContext = (method: DescMethod, signal: AbortSignal, timeoutMs: number | undefined, header: Headers, values: Values): HandlerContext => {
    const deadline = timeoutMs === undefined ? undefined : clock.now() + timeoutMs;
    return {
      service: method.parent,
      method,
      protocolName: 'in-process',
      requestMethod: 'POST',
      url: `in-process:/${method.parent.typeName}/${method.name}`,
      signal,
      timeoutMs: () => (deadline === undefined ? undefined : deadline - clock.now()),
      requestHeader: header,
      responseHeader: new Headers(),
      responseTrailer: new Headers(),
      values,
    };
  };
  /**
   * A stream handler's context: the unary one over a signal of its own that follows the
   * call's (which the caller's abort and the deadline abort), instead of
   * `createHandlerContext`'s two linked AbortControllers, deadline timer and header
   * copies. `end` stops following and aborts it (for the handler's `finally` and listeners).
   */
  const streamContext = (method: DescMethod, call: AbortSignal, timeoutMs: number | undefined, header: Headers, values: Values) => {
    const own = new AbortController();
    const follow = () => own.abort(call.reason);
    if (call.aborted) follow();
    else call.addEventListener('abort', follow, { once: true });
    const end = (reason: unknown = CALL_ENDED) => {
      call.removeEventListener('abort', follow);
      if (!own.signal.aborted) own.abort(reason);
    };
    return { context: unaryContext(method, own.signal, timeoutMs, header, values), end };
  };
  const request = <M extends DescMethod>(method: M, header: ConstructorParameters<typeof Headers>[0], values: Values | undefined) => ({
    service: method.parent,
    method,
    requestMethod: 'POST',
    url: `in-process:/${method.parent.typeName}/${method.name}`,
    header: new Headers(header),
    contextValues: values ?? createContextValues(),
  });

  const unary: Transport['unary'] = (method, signal, timeoutMs, header, message, contextValues) =>
    runLocalUnary({
      method,
      interceptors: clientInterceptors,
      signal,
      timeoutMs,
      req: { stream: false, ...request(method, header, contextValues) },
      message,
      next: async (req, orAbort) => {
        const { endpoint, spec } = target(method);
        if (!isUnarySpec(spec, method)) throw new ConnectError(`${method.parent.typeName}/${method.name} has no unary implementation in this process`, Code.Internal);
        const input = req.message;
        // (an interceptor could have swapped the request for another message)
        if (!isMessage(input, method.input)) throw new ConnectError(`${method.parent.typeName}/${method.name}: the request is not a ${method.input.typeName}`, Code.Internal);
        const context_ = unaryContext(method, req.signal, timeoutMs, req.header, req.contextValues);
        const span = openServerSpan(endpoint, method, req.header);
        endpoint.calls.inFlight++;
        try {
          const output = await orAbort(context.with(span.ctx, () => invokeUnaryImplementation(spec, context_, input, [...endpoint.interceptors])));
          span.end(false);
          return { stream: false, service: method.parent, method, header: context_.responseHeader, trailer: context_.responseTrailer, message: output };
        } catch (e) {
          const error = ConnectError.from(e);
          span.end(true, error.message);
          throw error;
        } finally {
          endpoint.calls.inFlight--;
        }
      },
    });

  const stream: Transport['stream'] = (method, signal, timeoutMs, header, input, contextValues) =>
    runLocalStream({
      method,
      interceptors: clientInterceptors,
      signal,
      timeoutMs,
      req: { stream: true, ...request(method, header, contextValues) },
      message: input,
      next: async (req) => {
        const { endpoint, spec } = target(method);
        if (!isSpecOf(spec, method)) throw new ConnectError(`${method.parent.typeName}/${method.name} has no streaming implementation in this process`, Code.Internal);
        const handler = streamContext(method, req.signal, timeoutMs, req.header, req.contextValues);
        const context_ = handler.context;
        const span = openServerSpan(endpoint, method, req.header);
        const output = context.with(span.ctx, () =>
          transformInvokeImplementation(spec, context_, [...endpoint.interceptors])(req.message)[Symbol.asyncIterator](),
        );
        return {
          stream: true,
          service: method.parent,
          method,
          header: context_.responseHeader,
          trailer: context_.responseTrailer,
          message: drive(output, span, req.signal, endpoint.calls, handler.end),
        };
      },
    });

  return { unary, stream };
}

/** True when `spec` is the unary implementation registered for `method` itself (so its input and output are the method's). */
function isUnarySpec<I extends DescMessage, O extends DescMessage>(spec: MethodImplSpec, method: DescMethodUnary<I, O>): spec is MethodImplSpec<I, O> & { kind: 'unary' } {
  return spec.method === method && spec.kind === 'unary';
}

/** True when `spec` is the implementation registered for the streaming `method` itself. */
function isSpecOf<I extends DescMessage, O extends DescMessage>(spec: MethodImplSpec, method: DescMethodStreaming<I, O>): spec is MethodImplSpec<I, O> {
  return spec.method === method;
}

/** Longest a cancelled handler is pulled before it is left (it should end on its aborted signal long before). */
const DRAIN_STEPS = 10_000;

/** Pulls a cancelled stream handler's answers, unread, until it ends. */
async function drain<T>(it: AsyncIterator<T>, ctx: Context): Promise<void> {
  try {
    for (let i = 0; i < DRAIN_STEPS; i++) if ((await context.with(ctx, () => it.next())).done) return;
  } catch {
    // the handler ended on its aborted signal, as it should
  }
}

/**
 * The handler's answers as the caller reads them: each step in the server span's context,
 * a thrown error as a ConnectError (as the network delivers it), and, when the caller's
 * signal aborts, the handler run on to its end (drain) as a server writing to a reset
 * stream runs it: the handler sees its aborted signal and its `finally` blocks run.
 */
async function* drive<T>(it: AsyncIterator<T>, span: { ctx: Context; end: End }, signal: AbortSignal, calls: { inFlight: number }, release: (reason?: unknown) => void): AsyncGenerator<T> {
  let finished = false;
  calls.inFlight++;
  // The step waited on, ended by `stop` (no listener of its own on the signal per step).
  let interrupt: ((reason: unknown) => void) | undefined;
  const stop = () => {
    release(signal.reason);
    interrupt?.(signal.reason);
    if (!finished) void drain(it, span.ctx);
  };
  signal.addEventListener('abort', stop, { once: true });
  const nextStep = (): Promise<IteratorResult<T>> => {
    if (signal.aborted) return Promise.reject(ConnectError.from(signal.reason, Code.Canceled));
    return new Promise((resolve, reject) => {
      interrupt = (reason) => reject(ConnectError.from(reason, Code.Canceled));
      context.with(span.ctx, () => it.next()).then((r) => ((interrupt = undefined), resolve(r)), (e: unknown) => ((interrupt = undefined), reject(e)));
    });
  };
  let failed: string | undefined;
  try {
    for (;;) {
      const got = await nextStep();
      if (got.done) break;
      yield got.value;
    }
    finished = true;
  } catch (e) {
    finished = true;
    const error = ConnectError.from(e);
    failed = error.message;
    throw error;
  } finally {
    signal.removeEventListener('abort', stop);
    if (!finished) stop();
    span.end(failed !== undefined, failed);
    calls.inFlight--;
    release();
  }
}

import { context, propagation, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { Interceptor } from '@connectrpc/connect';
import { inService } from './service-scope.ts';
import { recordFailure } from './spans.ts';
import { tracingOff } from './tracing-off.ts';

const tracer = trace.getTracer('ultra');

/**
 * A Connect client interceptor that carries the W3C `traceparent` of the active span on
 * every call, inside a client span named after the RPC.
 */
export function createTraceClientInterceptor(): Interceptor {
  return (next) => async (req) => {
    if (tracingOff()) return next(req);
    const name = `${req.service.typeName}/${req.method.name}`;
    return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'grpc', 'rpc.service': req.service.typeName, 'rpc.method': req.method.name } }, async (span) => {
      propagation.inject(context.active(), req.header, { set: (h, k, v) => h.set(k, v) });
      try {
        const res = await next(req);
        if (!res.stream) span.end();
        else {
          // Streams: the span covers setting the call up; the messages are the callee's to trace.
          span.end();
        }
        return res;
      } catch (e) {
        recordFailure(span, e);
        span.end();
        throw e;
      }
    });
  };
}

/** The trace context a request's headers carry (the root context when none). */
export function extractContext(headers: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(context.active(), headers, {
    get: (h, k) => {
      const v = h[k];
      return Array.isArray(v) ? v[0] : v;
    },
    keys: (h) => Object.keys(h),
  });
}

/**
 * Runs a server request in a server span that continues the caller's trace. The span
 * ends when the response closes; `status` tells whether it failed. `service` marks the
 * work as that service's (service-scope.ts), for a call received in process.
 */
export function withServerSpan(
  headers: Record<string, string | string[] | undefined>,
  name: string,
  onClose: (end: (failed: boolean, message?: string) => void) => void,
  run: () => void,
  service?: string,
): void {
  if (tracingOff()) {
    onClose(() => undefined);
    run();
    return;
  }
  const extracted = extractContext(headers);
  const parent = service === undefined ? extracted : inService(service, extracted);
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER }, parent);
  onClose((failed, message) => {
    if (failed) span.setStatus({ code: SpanStatusCode.ERROR, ...(message ? { message } : {}) });
    span.end();
  });
  context.with(trace.setSpan(parent, span), run);
}

export { tracer };

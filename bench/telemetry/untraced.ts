/**
 * The telemetry bench's baseline: `@ultra/telemetry` with its tracing taken out. Every
 * tracing entry point does the least its callers need (run the callback, pass the call
 * on), with no OpenTelemetry API call at all; metrics stay as they are, since they are
 * the same in both processes and not what is measured. Loaded only through
 * untraced-hooks.mjs, never by the product.
 */
import { INVALID_SPAN_CONTEXT, ROOT_CONTEXT, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import type { Interceptor } from '@connectrpc/connect';

export { createMetrics, type Metrics } from '../../libs/telemetry/src/metrics.ts';
// (the SDK hand-over: nothing is started in the untraced stack, so there is nothing to flush)
export { setTelemetryShutdown, shutdownTelemetry } from '../../libs/telemetry/src/sdk-shutdown.ts';

const noSpan: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export async function inSpan<T>(_name: string, _attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return fn(noSpan);
}

export function recordFailure(_span: Span, _thrown: unknown): void {}

export function spanEvent(_name: string, _attributes: Attributes): void {}

export function spanAttributes(_attributes: Attributes): void {}

export function createTraceClientInterceptor(): Interceptor {
  return (next) => next;
}

export function extractContext(_headers: Record<string, string | string[] | undefined>): Context {
  return ROOT_CONTEXT;
}

export function withServerSpan(
  _headers: Record<string, string | string[] | undefined>,
  _name: string,
  _onClose: (end: (failed: boolean, message?: string) => void) => void,
  run: () => void,
): void {
  run();
}

export const tracer = trace.getTracer('ultra');

/** Service scopes mark spans' `service.name` in one process; with no spans there is nothing to mark. */
export function inService(_service: string, ctx: Context = ROOT_CONTEXT): Context {
  return ctx;
}

export function withService<T>(_service: string, fn: () => T): T {
  return fn();
}

export function serviceOf(_ctx?: Context): string | undefined {
  return undefined;
}

/** Without tracing code there is never a tracer provider: the span helpers' shortcut always applies. */
export const tracingOff = (): boolean => true;
export { NO_SPAN } from '../../libs/telemetry/src/tracing-off.ts';

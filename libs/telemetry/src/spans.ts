import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { NO_SPAN, tracingOff } from './tracing-off.ts';

/**
 * Runs `fn` in a child span of the active one; the span ends on every path, with the
 * exception recorded and an error status on failure.
 */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, tracerName = 'ultra'): Promise<T> {
  if (tracingOff()) return fn(NO_SPAN);
  return trace.getTracer(tracerName).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      recordFailure(span, e);
      throw e;
    } finally {
      span.end();
    }
  });
}

/** Marks `span` failed by what was thrown: the exception recorded, an error status with its message. */
export function recordFailure(span: Span, thrown: unknown): void {
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  span.recordException(thrown instanceof Error ? thrown : message);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** Sets attributes (a cache layer, a breaker decision) on the active span, if any. */
export function spanAttributes(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** Adds an event (a breaker state change, a mode change) to the active span, if any. */
export function spanEvent(name: string, attributes: Attributes): void {
  trace.getActiveSpan()?.addEvent(name, attributes);
}

import { INVALID_SPAN_CONTEXT, ProxyTracerProvider, trace, type Span } from '@opentelemetry/api';

/** The provider the API answers with while none is registered (the same instance for every proxy). */
const NONE = new ProxyTracerProvider().getDelegate();

/**
 * True while no tracer provider is registered (no OTLP endpoint configured, so
 * instrumentation.ts started no SDK): every span would be a no-op span, and with no
 * context manager either, `context.with` carries nothing. The span helpers then run
 * their work directly instead of building no-op spans and contexts, six to nine of them
 * per request. Asked at each call, so a provider registered later (a test's) is used.
 */
export function tracingOff(): boolean {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider && provider.getDelegate() === NONE;
}

/** The span the work gets while {@link tracingOff}: records nothing, like the API's own no-op span. */
export const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

import type { Context } from '@opentelemetry/api';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { serviceOf } from './service-scope.ts';

/**
 * A span processor in front of `next` (the exporting one) that gives each finished span
 * the `service.name` of the service whose work it is (`ultra-<service>`, from the span's
 * service scope, service-scope.ts), so several services in one process keep their names.
 * Spans outside any scope go on with the process's own resource.
 */
export function createServiceSpanProcessor(next: SpanProcessor): SpanProcessor {
  const serviceOfSpan = new WeakMap<ReadableSpan, string>();
  const byService = new Map<string, Resource>();
  const resourceFor = (service: string, base: Resource): Resource => {
    let resource = byService.get(service);
    if (!resource) byService.set(service, (resource = base.merge(resourceFromAttributes({ 'service.name': `ultra-${service}` }))));
    return resource;
  };
  return {
    onStart(span: Span, parent: Context) {
      const service = serviceOf(parent);
      if (service !== undefined) serviceOfSpan.set(span, service);
      next.onStart(span, parent);
    },
    onEnd(span: ReadableSpan) {
      const service = serviceOfSpan.get(span);
      next.onEnd(service === undefined ? span : withResource(span, resourceFor(service, span.resource)));
    },
    forceFlush: () => next.forceFlush(),
    shutdown: () => next.shutdown(),
  };
}

/** `span` unchanged but for its `resource`. */
function withResource(span: ReadableSpan, resource: Resource): ReadableSpan {
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    ...(span.parentSpanContext ? { parentSpanContext: span.parentSpanContext } : {}),
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: span.attributes,
    links: span.links,
    events: span.events,
    duration: span.duration,
    ended: span.ended,
    resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

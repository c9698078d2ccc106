import { ROOT_CONTEXT } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { inService } from './service-scope.ts';
import { createServiceSpanProcessor } from './service-span-processor.ts';

describe('createServiceSpanProcessor', () => {
  it("gives each span its service's name and leaves unscoped spans the process's resource", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'ultra', 'host.name': 'box' }),
      spanProcessors: [createServiceSpanProcessor(new SimpleSpanProcessor(exporter))],
    });
    const tracer = provider.getTracer('test');
    const cache = tracer.startSpan('lookup', { attributes: { key: 'k' } }, inService('cache', ROOT_CONTEXT));
    const router = tracer.startSpan('route', {}, inService('router', ROOT_CONTEXT));
    const plain = tracer.startSpan('plain', {}, ROOT_CONTEXT);
    for (const span of [cache, router, plain]) span.end();
    await provider.forceFlush();

    const spans = exporter.getFinishedSpans();
    const named = Object.fromEntries(spans.map((s) => [s.name, s]));
    expect(spans.map((s) => [s.name, s.resource.attributes['service.name']])).toEqual([
      ['lookup', 'ultra-cache'],
      ['route', 'ultra-router'],
      ['plain', 'ultra'],
    ]);
    // The rest of the resource and of the span is kept.
    expect(named['lookup']?.resource.attributes['host.name']).toBe('box');
    expect(named['lookup']?.attributes).toEqual({ key: 'k' });
    expect(named['lookup']?.spanContext()).toEqual(cache.spanContext());
    expect(named['lookup']?.ended).toBe(true);
  });
});

/**
 * Loaded first in every service process (`node --import @ultra/telemetry/instrumentation`).
 * Starts the OpenTelemetry SDK only when an OTLP endpoint is configured through the
 * standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
 * with `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`, `OTEL_EXPORTER_OTLP_PROTOCOL`, ... read by
 * the SDK itself). Without them nothing is loaded: the code paths call the no-op API.
 */
import { setTelemetryShutdown } from './sdk-shutdown.ts';

const env = process.env;
const wanted =
  env['OTEL_SDK_DISABLED'] !== 'true' && Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);

if (wanted) {
  const named = Boolean(env['OTEL_SERVICE_NAME']);
  if (!named) {
    // services/router/src/main.ts (or dist/main.js) → ultra-router
    const match = /services\/([^/]+)\/(?:src|dist)\/main\.[jt]s$/.exec(process.argv[1] ?? '');
    env['OTEL_SERVICE_NAME'] = match ? `ultra-${match[1]}` : 'ultra';
  }
  // ESM imports of instrumented packages (ioredis) are patched through import-in-the-middle.
  const { register } = await import('node:module');
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const [{ NodeSDK }, { IORedisInstrumentation }, { UndiciInstrumentation }, { HttpInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-ioredis'),
    import('@opentelemetry/instrumentation-undici'),
    import('@opentelemetry/instrumentation-http'),
  ]);
  const sdk = new NodeSDK({
    instrumentations: [
      new IORedisInstrumentation({ requireParentSpan: true }),
      // Provider calls: never record URLs with keys or headers (keys go in headers, not in URLs, but be sure).
      new UndiciInstrumentation({ requireParentforSpans: true, headersToSpanAttributes: { requestHeaders: [], responseHeaders: [] } }),
      // The adapters' HTTP client is node:http (libs/providers http-fetch.ts): a client span
      // per provider call, with the trace context sent along. Incoming HTTP (the OpenAI
      // front) has Ultra's own server spans; nothing outside a traced call is recorded.
      new HttpInstrumentation({ disableIncomingRequestInstrumentation: true, requireParentforOutgoingSpans: true, headersToSpanAttributes: { client: { requestHeaders: [], responseHeaders: [] } } }),
    ],
    // Metrics are served for Prometheus by the service itself (see metrics.ts), not pushed.
    metricReaders: [],
    // Several services in one process (topology single, ultra serve): each span gets the
    // service.name of the service whose work it is (service-scope.ts), unless
    // OTEL_SERVICE_NAME names the process.
    ...(named ? {} : await serviceSpanProcessors()),
  });
  sdk.start();
  const stop = () => void sdk.shutdown().catch(() => undefined);
  process.once('beforeExit', stop);
  setTelemetryShutdown(() => sdk.shutdown());
}

/**
 * The span processors: the batch OTLP exporter the SDK would have made (protocol from
 * `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`, default
 * http/protobuf), behind one that sets `service.name` from the span's service scope
 * (service-span-processor.ts). Any other `OTEL_TRACES_EXPORTER` keeps the SDK's own choice.
 */
async function serviceSpanProcessors() {
  const exporters = env['OTEL_TRACES_EXPORTER'];
  if (exporters && exporters !== 'otlp') return {};
  const [{ BatchSpanProcessor }, { createServiceSpanProcessor }] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('./service-span-processor.ts'),
  ]);
  const protocol = env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ?? env['OTEL_EXPORTER_OTLP_PROTOCOL'] ?? 'http/protobuf';
  const { OTLPTraceExporter } =
    protocol === 'grpc'
      ? await import('@opentelemetry/exporter-trace-otlp-grpc')
      : protocol === 'http/json'
        ? await import('@opentelemetry/exporter-trace-otlp-http')
        : await import('@opentelemetry/exporter-trace-otlp-proto');
  return { spanProcessors: [createServiceSpanProcessor(new BatchSpanProcessor(new OTLPTraceExporter()))] };
}

export {};

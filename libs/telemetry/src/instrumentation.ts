/**
 * Loaded first in every service process (`node --import @ultra/telemetry/instrumentation`).
 * Starts the OpenTelemetry SDK only when an OTLP endpoint is configured through the
 * standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
 * with `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`, `OTEL_EXPORTER_OTLP_PROTOCOL`, ... read by
 * the SDK itself). Without them nothing is loaded: the code paths call the no-op API.
 */
const env = process.env;
const wanted =
  env['OTEL_SDK_DISABLED'] !== 'true' && Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']);

if (wanted) {
  if (!env['OTEL_SERVICE_NAME']) {
    // services/router/src/main.ts → ultra-router
    const match = /services\/([^/]+)\/src\/main\.ts$/.exec(process.argv[1] ?? '');
    env['OTEL_SERVICE_NAME'] = match ? `ultra-${match[1]}` : 'ultra';
  }
  // ESM imports of instrumented packages (ioredis) are patched through import-in-the-middle.
  const { register } = await import('node:module');
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const [{ NodeSDK }, { IORedisInstrumentation }, { UndiciInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-ioredis'),
    import('@opentelemetry/instrumentation-undici'),
  ]);
  const sdk = new NodeSDK({
    instrumentations: [
      new IORedisInstrumentation({ requireParentSpan: true }),
      // Provider calls: never record URLs with keys or headers (keys go in headers, not in URLs, but be sure).
      new UndiciInstrumentation({ requireParentforSpans: true, headersToSpanAttributes: { requestHeaders: [], responseHeaders: [] } }),
    ],
    // Metrics are served for Prometheus by the service itself (see metrics.ts), not pushed.
    metricReaders: [],
  });
  sdk.start();
  const stop = () => void sdk.shutdown().catch(() => undefined);
  process.once('beforeExit', stop);
  (globalThis as { __ultraOtelShutdown?: () => Promise<void> }).__ultraOtelShutdown = () => sdk.shutdown();
}

export {};

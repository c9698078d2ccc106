import http from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Meter } from '@opentelemetry/api';

/**
 * Metrics of one service, read by Prometheus: an OpenTelemetry MeterProvider whose
 * Prometheus exporter is served by the service (on its own metrics address, and by the
 * router on `/metrics` of its HTTP port).
 */
export function createMetrics(service: string) {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': `ultra-${service}` }), readers: [exporter] });
  const meter: Meter = provider.getMeter(`ultra-${service}`);
  return {
    meter,
    /** Answers a scrape (any path). */
    handle(req: http.IncomingMessage, res: http.ServerResponse) {
      exporter.getMetricsRequestHandler(req, res);
    },
    /** Serves `/metrics` on its own HTTP/1.1 port; a taken port is reported, not fatal. */
    async serve(host: string, port: number, warn: (msg: string) => void): Promise<http.Server | undefined> {
      const server = http.createServer((req, res) => exporter.getMetricsRequestHandler(req, res));
      return new Promise((resolve) => {
        server.once('error', (e: NodeJS.ErrnoException) => {
          warn(`metrics endpoint not started on ${host}:${port} (${e.code ?? e.message})`);
          resolve(undefined);
        });
        server.listen(port, host, () => resolve(server));
      });
    },
    shutdown: () => provider.shutdown(),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

import { parseArgs } from 'node:util';
import { isConfigError, loadConfig, type UltraConfig } from '@ultra/config';
import type { HealthRegistry } from './grpc-health.ts';
import type { Listener } from './listener.ts';
import { createLogger, type Logger } from './logger.ts';
import { loadTls, useProcessTls } from './tls.ts';
import { createMetrics, type Metrics } from '@ultra/telemetry';
import type { Server } from 'node:http';

/** What a started service hands back so that it can be stopped gracefully. */
export interface RunningService {
  readonly listeners: readonly Listener[];
  readonly health: HealthRegistry;
  /** Releases what the service holds (clients, timers) once its listeners are closed. */
  close?(): Promise<void>;
}

export interface ServiceContext {
  readonly config: UltraConfig;
  readonly log: Logger;
  /** The process environment, for the wiring code only (provider keys come through config). */
  readonly env: NodeJS.ProcessEnv;
  /** Aborted when shutdown starts: long-lived streams end on it. */
  readonly shutdown: AbortSignal;
  /** This service's OpenTelemetry meter, scraped by Prometheus at its metrics address. */
  readonly metrics: Metrics;
}

const METRICS_ADDRESS = {
  router: 'router',
  'provider-agent': 'providerAgent',
  cache: 'cache',
  health: 'health',
} as const;

/** The message a service sends its parent over IPC once it is ready. */
export interface ReadyMessage {
  type: 'ready';
  service: string;
  addresses: string[];
}

/**
 * The `main()` of a service process: loads config (`--config FILE`, `ULTRA_CONFIG`, or
 * the built-in default), starts the service, reports readiness, and on SIGTERM or
 * SIGINT drains it (stop accepting, finish in-flight, exit 0). A bad config exits 2
 * with every problem listed and no stack trace; a crash exits 1.
 */
export function runService(name: string, start: (ctx: ServiceContext) => Promise<RunningService>): void {
  const log = createLogger(name, { level: process.env['ULTRA_LOG_LEVEL'] ?? 'info' });
  const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: false });
  let config: UltraConfig;
  try {
    config = loadConfig({ file: typeof values.config === 'string' ? values.config : undefined, env: process.env });
  } catch (e) {
    if (!isConfigError(e)) throw e;
    process.stderr.write(`${name}: ${e.message}\n`);
    process.exit(2);
  }
  try {
    useProcessTls(loadTls(config.tls));
  } catch (e) {
    process.stderr.write(`${name}: invalid config (${config.source}):\n  ${(e as Error).message}\n`);
    process.exit(2);
  }
  const shutdown = new AbortController();
  const fail = (err: unknown) => {
    log.fatal({ err }, `${name} failed`);
    log.flush();
    setImmediate(() => process.exit(1));
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  const metrics = createMetrics(name);
  const metricsAt = config.services.metrics[METRICS_ADDRESS[name as keyof typeof METRICS_ADDRESS] ?? 'router'];
  let metricsServer: Server | undefined;
  void metrics.serve(metricsAt.host, metricsAt.port, (msg) => log.warn(msg)).then((server) => {
    metricsServer = server;
    const at = server?.address();
    if (at && typeof at === 'object') log.info({ metrics: `${at.address}:${at.port}` }, `metrics on http://${at.address}:${at.port}/metrics`);
  });
  start({ config, log, env: process.env, shutdown: shutdown.signal, metrics }).then((service) => {
    const addresses = service.listeners.map((l) => `${l.address.host}:${l.address.port}`);
    log.info({ addresses, config: config.source }, `${name} listening on ${addresses.join(', ')}`);
    process.send?.({ type: 'ready', service: name, addresses } satisfies ReadyMessage);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        log.warn(`${signal} again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      const inFlight = service.listeners.reduce((n, l) => n + l.inFlight, 0);
      log.info({ signal, inFlight }, `${name} draining (${inFlight} in flight)`);
      service.health.shutdown();
      shutdown.abort();
      Promise.all(service.listeners.map((l) => l.close(config.shutdown.graceMs)))
        .then(() => service.close?.())
        .then(() => {
          metricsServer?.close();
          const otel = (globalThis as { __ultraOtelShutdown?: () => Promise<void> }).__ultraOtelShutdown;
          return Promise.all([metrics.shutdown(), otel?.()]).catch(() => undefined);
        })
        .then(() => {
          log.info(`${name} stopped`);
          log.flush();
          setImmediate(() => process.exit(0));
        }, fail);
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('disconnect', () => stop('parent gone'));
  }, fail);
}

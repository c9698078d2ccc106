import { parseArgs } from 'node:util';
import { isConfigError, loadConfig, type UltraConfig } from '@ultra/config';
import type { HealthRegistry } from './grpc-health.ts';
import type { Listener } from './listener.ts';
import { systemClock } from '@ultra/core';
import { createLogger, type Logger } from './logger.ts';
import { createLogOutput } from './log-output.ts';
import { createShutdown, type DrainTime } from './shutdown.ts';
import { loadTls, useProcessTls } from './tls.ts';
import { createMetrics, type Metrics } from '@ultra/telemetry';
import type { Server } from 'node:http';

/** What a started service hands back so that it can be stopped gracefully. */
export interface RunningService {
  readonly listeners: readonly Listener[];
  readonly health: HealthRegistry;
  /**
   * Releases what the service holds (clients, timers) once its listeners are closed. It
   * need not wait on a peer or on Redis: the process exits at the deadline regardless.
   */
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

/** Longest wait for log lines to be written before the process exits, ms. */
const LOG_DRAIN_MS = 250;
/** Longest wait for spans and metrics to be handed over at the end of a drain, ms. */
const TELEMETRY_FLUSH_MS = 1_000;

/**
 * The `main()` of a service process: loads config (`--config FILE`, `ULTRA_CONFIG`, or
 * the built-in default), starts the service and reports readiness. On SIGTERM or SIGINT,
 * or when the parent that forked it goes away (its IPC channel closes), it drains (stop
 * accepting, finish in-flight, release clients) and exits 0, at the latest
 * `shutdown.grace` after the first request (then status 1, naming what it still waited
 * for); this holds during start-up too. A second signal exits at once (status 1). A bad
 * config exits 2 with every problem listed and no stack trace; a crash exits 1.
 */
export function runService(name: string, start: (ctx: ServiceContext) => Promise<RunningService>): void {
  const output = createLogOutput();
  const log = createLogger(name, { level: process.env['ULTRA_LOG_LEVEL'] ?? 'info', destination: output.stream });
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
  // Log lines get a moment to go out; an output nobody reads any more never holds the exit.
  const exit = (code: number) => {
    process.exitCode = code;
    void output.drain(LOG_DRAIN_MS).then(() => {
      output.abandon();
      process.exit(code);
    });
  };
  const aborted = new AbortController();
  const metrics = createMetrics(name);
  const metricsAt = config.services.metrics[METRICS_ADDRESS[name as keyof typeof METRICS_ADDRESS] ?? 'router'];
  let metricsServer: Server | undefined;
  void metrics.serve(metricsAt.host, metricsAt.port, (msg) => log.warn(msg)).then((server) => {
    metricsServer = server;
    const at = server?.address();
    if (at && typeof at === 'object') log.info({ metrics: `${at.address}:${at.port}` }, `metrics on http://${at.address}:${at.port}/metrics`);
  });
  let started: Promise<RunningService> | undefined;
  const shutdown = createShutdown({
    name,
    graceMs: config.shutdown.graceMs,
    clock: systemClock,
    log,
    exit,
    drain: (time, reason) => {
      log.info({ reason }, `${name}: ${reason}, stopping`);
      aborted.abort();
      return drainService(name, started!, time, { log, metrics, metricsServer: () => metricsServer });
    },
  });
  const fail = (err: unknown) => {
    if (shutdown.stopping) return log.error({ err }, `${name}: error while stopping (the stop goes on)`);
    log.fatal({ err }, `${name} failed`);
    exit(1);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  process.on('SIGTERM', () => shutdown.request('SIGTERM'));
  process.on('SIGINT', () => shutdown.request('SIGINT'));
  // From here a signal drains the service, even before it is up.
  log.info({ config: config.source }, `${name} starting (pid ${process.pid})`);
  started = start({ config, log, env: process.env, shutdown: aborted.signal, metrics });
  onParentGone(() => shutdown.request('parent gone', 'parent'));
  started.then((service) => {
    if (shutdown.stopping) return;
    const addresses = service.listeners.map((l) => `${l.address.host}:${l.address.port}`);
    log.info({ addresses, config: config.source }, `${name} listening on ${addresses.join(', ')}`);
    if (process.connected) process.send?.({ type: 'ready', service: name, addresses } satisfies ReadyMessage, undefined, undefined, () => undefined);
  }, fail);
}

/**
 * The drain proper, once start-up has ended: NOT_SERVING, listeners closed (in-flight
 * requests get their share of the grace), clients released, telemetry handed over (at
 * most {@link TELEMETRY_FLUSH_MS}).
 */
async function drainService(
  name: string,
  started: Promise<RunningService>,
  time: DrainTime,
  deps: { log: Logger; metrics: Metrics; metricsServer: () => Server | undefined },
): Promise<void> {
  time.step('waiting for start-up to end');
  const service = await started;
  const inFlight = service.listeners.reduce((n, l) => n + l.inFlight, 0);
  deps.log.info({ inFlight }, `${name} draining (${inFlight} in flight)`);
  service.health.shutdown();
  time.step('finishing requests');
  await Promise.all(service.listeners.map((l) => l.close(time.requestsMs())));
  time.step('closing clients');
  await service.close?.();
  time.step('handing over telemetry');
  deps.metricsServer()?.close();
  const otel = (globalThis as { __ultraOtelShutdown?: () => Promise<void> }).__ultraOtelShutdown;
  const handedOver = Promise.all([deps.metrics.shutdown(), otel?.()]).then(() => true, () => false);
  if (!(await within(handedOver, Math.min(TELEMETRY_FLUSH_MS, time.remainingMs())))) deps.log.warn(`${name}: telemetry not handed over within ${TELEMETRY_FLUSH_MS} ms; dropped`);
}

/** Calls `gone` once the parent that forked this process with an IPC channel goes away (also if it already has). */
function onParentGone(gone: () => void): void {
  if (!process.send) return;
  if (!process.connected) return gone();
  process.once('disconnect', gone);
}

/** Whether `promise` resolved true within `ms` milliseconds. */
function within(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: unknown;
  const late = new Promise<boolean>((resolve) => (timer = systemClock.setTimeout(() => resolve(false), ms)));
  return Promise.race([promise, late]).finally(() => systemClock.clearTimeout(timer));
}

import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { isConfigError, loadConfig, type Address, type UltraConfig } from '@ultra/config';
import type { HealthRegistry } from './grpc-health.ts';
import type { Listener } from './listener.ts';
import { hostInProcess, inProcessEndpoint } from './local-links.ts';
import { createLogger, type Logger } from './logger.ts';
import { loadTls, useProcessTls } from './tls.ts';
import { createMetrics, withService, type Metrics } from '@ultra/telemetry';
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
  /** Aborted when this service's shutdown starts: long-lived streams end on it. */
  readonly shutdown: AbortSignal;
  /** This service's OpenTelemetry meter, scraped by Prometheus at its metrics address. */
  readonly metrics: Metrics;
}

/** Ultra's services, in the order they start in one process (each one's callees first). */
export const SERVICE_NAMES = ['cache', 'provider-agent', 'health', 'router'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** One service for `runServices`: its name and the function that wires and starts it. */
export interface ServiceEntry {
  name: ServiceName;
  start: (ctx: ServiceContext) => Promise<RunningService>;
}

const CONFIG_KEY = { router: 'router', 'provider-agent': 'providerAgent', cache: 'cache', health: 'health' } as const;

/** The address a service serves its RPCs on (the router's gRPC address). */
export function rpcAddress(config: UltraConfig, name: ServiceName): Address {
  return name === 'router' ? config.services.router.grpc : config.services[CONFIG_KEY[name]];
}

/** The message a service process sends its parent over IPC once it is ready. */
export interface ReadyMessage {
  type: 'ready';
  service: string;
  addresses: string[];
}

/** The `main()` of a one-service process (see `runServices`). */
export function runService(name: ServiceName, start: ServiceEntry['start']): void {
  runServices([{ name, start }]);
}

interface Started {
  name: ServiceName;
  log: Logger;
  service: RunningService;
  shutdown: AbortController;
  metrics: Metrics;
  metricsServer?: Server | undefined;
}

/**
 * The `main()` of a process running one or more services: loads config (`--config FILE`,
 * `ULTRA_CONFIG`, or the built-in default), starts each service (callees first), each on
 * its own addresses with its own logger, metrics and shutdown signal; with several, their
 * calls to each other stay in process (local-links.ts). Reports readiness once all are up,
 * and on SIGTERM or SIGINT drains them, callers first (stop accepting, finish in-flight,
 * exit 0). A bad config exits 2 with every problem listed and no stack trace; a crash exits 1.
 */
export function runServices(entries: readonly ServiceEntry[]): void {
  const label = entries.map((e) => e.name).join(' + ');
  const level = process.env['ULTRA_LOG_LEVEL'] ?? 'info';
  // One destination for every service's logger, so their lines never interleave.
  const destination = pino.destination({ sync: false }) as unknown as NodeJS.WritableStream;
  const log = createLogger(entries.length === 1 ? entries[0]!.name : 'ultra', { level, destination });
  const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: false, allowPositionals: true });
  let config: UltraConfig;
  try {
    config = loadConfig({ file: typeof values.config === 'string' ? values.config : undefined, env: process.env });
  } catch (e) {
    if (!isConfigError(e)) throw e;
    process.stderr.write(`${label}: ${e.message}\n`);
    process.exit(2);
  }
  try {
    useProcessTls(loadTls(config.tls));
  } catch (e) {
    process.stderr.write(`${label}: invalid config (${config.source}):\n  ${(e as Error).message}\n`);
    process.exit(2);
  }
  const fail = (err: unknown) => {
    log.fatal({ err }, `${label} failed`);
    log.flush();
    setImmediate(() => process.exit(1));
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  const ordered = SERVICE_NAMES.flatMap((n) => entries.filter((e) => e.name === n));
  // Several services: their calls to each other, at any address they are known by, stay in process.
  if (ordered.length > 1) hostInProcess(ordered.map((e) => [rpcAddress(config, e.name), ...config.services.dial[CONFIG_KEY[e.name]]]));
  const started: Started[] = [];
  const startOne = async ({ name, start }: ServiceEntry) => {
    const own = ordered.length === 1 ? log : createLogger(name, { level, destination });
    const metrics = createMetrics(name);
    const at = config.services.metrics[CONFIG_KEY[name]];
    const shutdown = new AbortController();
    const entry: Started = { name, log: own, service: undefined as never, shutdown, metrics };
    void metrics.serve(at.host, at.port, (msg) => own.warn(msg)).then((server) => {
      entry.metricsServer = server;
      const bound = server?.address();
      if (bound && typeof bound === 'object') own.info({ metrics: `${bound.address}:${bound.port}` }, `metrics on http://${bound.address}:${bound.port}/metrics`);
    });
    // Spans of its start-up and of what it leaves running (watch loops, timers) are this service's.
    entry.service = await withService(name, () => start({ config, log: own, env: process.env, shutdown: shutdown.signal, metrics }));
    const addresses = entry.service.listeners.map((l) => `${l.address.host}:${l.address.port}`);
    own.info({ addresses, config: config.source }, `${name} listening on ${addresses.join(', ')}`);
    started.push(entry);
  };
  const run = async () => {
    for (const entry of ordered) await startOne(entry);
    const addresses = started.flatMap((s) => s.service.listeners.map((l) => `${l.address.host}:${l.address.port}`));
    process.send?.({ type: 'ready', service: label, addresses } satisfies ReadyMessage);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        log.warn(`${signal} again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      drainAll(started, config, signal).then(() => {
        log.flush();
        setImmediate(() => process.exit(0));
      }, fail);
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('disconnect', () => stop('parent gone'));
  };
  run().catch(fail);
}

/**
 * Drains the services: each says at once what it has in flight (over its listeners and,
 * in one process, from its neighbours) and turns NOT_SERVING; then, callers first (the
 * router, then health, the agent, the cache), each stops accepting, finishes what it has
 * and releases what it holds; then the OpenTelemetry SDK flushes.
 */
async function drainAll(started: readonly Started[], config: UltraConfig, signal: string): Promise<void> {
  const callers = [...started].reverse();
  for (const s of callers) {
    const inFlight = s.service.listeners.reduce((n, l) => n + l.inFlight, 0) + (inProcessEndpoint(rpcAddress(config, s.name))?.calls.inFlight ?? 0);
    s.log.info({ signal, inFlight }, `${s.name} draining (${inFlight} in flight)`);
    s.service.health.shutdown();
  }
  for (const s of callers) {
    s.shutdown.abort();
    await Promise.all(s.service.listeners.map((l) => l.close(config.shutdown.graceMs)));
    await s.service.close?.();
    s.metricsServer?.close();
    await s.metrics.shutdown().catch(() => undefined);
    s.log.info(`${s.name} stopped`);
    s.log.flush();
  }
  const otel = (globalThis as { __ultraOtelShutdown?: () => Promise<void> }).__ultraOtelShutdown;
  await otel?.().catch(() => undefined);
}

import { parseArgs } from 'node:util';
import { isConfigError, loadConfig, type Address, type UltraConfig } from '@ultra/config';
import type { HealthRegistry } from './grpc-health.ts';
import { useHeapGrowth } from './heap-growth.ts';
import { useConnectionAge, type Listener } from './listener.ts';
import { hostInProcess, inProcessEndpoint } from './local-links.ts';
import { errorMessage, systemClock } from '@ultra/core';
import { createLogger, type Logger } from './logger.ts';
import { createLogOutput } from './log-output.ts';
import { createShutdown, type DrainTime } from './shutdown.ts';
import { loadTls, useProcessTls } from './tls.ts';
import { createMetrics, shutdownTelemetry, withService, type Metrics } from '@ultra/telemetry';
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

/** Longest wait for log lines to be written before the process exits, ms. */
const LOG_DRAIN_MS = 250;
/** Longest wait for spans and metrics to be handed over at the end of a drain, ms. */
const TELEMETRY_FLUSH_MS = 1_000;

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
  /** Closes its metrics server (if it came up). */
  closeMetrics(): void;
}

/**
 * The `main()` of a process running one or more services: loads config (`--config FILE`,
 * `ULTRA_CONFIG`, or the built-in default), starts each service (callees first), each on
 * its own addresses with its own logger, metrics and shutdown signal; with several, their
 * calls to each other stay in process (local-links.ts). Reports readiness once all are up.
 * On SIGTERM or SIGINT, or when the parent that forked it goes away (its IPC channel
 * closes), it drains them, callers first (stop accepting, finish in-flight, release
 * clients) and exits 0, at the latest `shutdown.grace` after the first request (then
 * status 1, naming what it still waited for); this holds during start-up too. A second
 * signal exits at once (status 1). A bad config exits 2 with every problem listed and no
 * stack trace; a crash exits 1.
 */
export function runServices(entries: readonly ServiceEntry[]): void {
  const label = entries.map((e) => e.name).join(' + ');
  const level = process.env['ULTRA_LOG_LEVEL'] ?? 'info';
  // One output for every service's logger, so their lines never interleave; written in
  // the background, and never holding the exit once nobody reads it.
  const output = createLogOutput();
  const log = createLogger(entries.length === 1 ? entries[0]!.name : 'ultra', { level, destination: output.stream });
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
    useConnectionAge(config.services.maxConnectionAgeMs);
    useHeapGrowth(config.services.heapGrowth);
  } catch (e) {
    process.stderr.write(`${label}: invalid config (${config.source}):\n  ${errorMessage(e)}\n`);
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
  const ordered = SERVICE_NAMES.flatMap((n) => entries.filter((e) => e.name === n));
  const started: Started[] = [];
  let starting: Promise<void> | undefined;
  const shutdown = createShutdown({
    name: label,
    graceMs: config.shutdown.graceMs,
    clock: systemClock,
    log,
    exit,
    drain: async (time, reason) => {
      log.info({ reason }, `${label}: ${reason}, stopping`);
      time.step('waiting for start-up to end');
      // A service still starting stops at once after it is up (startOne checks `stopping`).
      await starting?.catch(() => undefined);
      return drainAll(started, config, time);
    },
  });
  const fail = (err: unknown) => {
    if (shutdown.stopping) return log.error({ err }, `${label}: error while stopping (the stop goes on)`);
    log.fatal({ err }, `${label} failed`);
    exit(1);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  process.on('SIGTERM', () => shutdown.request('SIGTERM'));
  process.on('SIGINT', () => shutdown.request('SIGINT'));
  // From here a signal drains the services, even before they are up.
  log.info({ config: config.source }, `${label} starting (pid ${process.pid})`);
  onParentGone(() => shutdown.request('parent gone', 'parent'));
  // Several services: their calls to each other, at any address they are known by, stay in process.
  if (ordered.length > 1) hostInProcess(ordered.map((e) => [rpcAddress(config, e.name), ...config.services.dial[CONFIG_KEY[e.name]]]));
  const startOne = async ({ name, start }: ServiceEntry) => {
    const own = ordered.length === 1 ? log : createLogger(name, { level, destination: output.stream });
    const metrics = createMetrics(name);
    const at = config.services.metrics[CONFIG_KEY[name]];
    const stop = new AbortController();
    let metricsServer: Server | undefined;
    void metrics.serve(at.host, at.port, (msg) => own.warn(msg)).then((server) => {
      metricsServer = server;
      const bound = server?.address();
      if (bound && typeof bound === 'object') own.info({ metrics: `${bound.address}:${bound.port}` }, `metrics on http://${bound.address}:${bound.port}/metrics`);
    });
    // Spans of its start-up and of what it leaves running (watch loops, timers) are this service's.
    const service = await withService(name, () => start({ config, log: own, env: process.env, shutdown: stop.signal, metrics }));
    started.push({ name, log: own, service, shutdown: stop, metrics, closeMetrics: () => metricsServer?.close() });
    if (shutdown.stopping) return;
    const addresses = service.listeners.map((l) => `${l.address.host}:${l.address.port}`);
    own.info({ addresses, config: config.source }, `${name} listening on ${addresses.join(', ')}`);
  };
  starting = (async () => {
    for (const entry of ordered) {
      if (shutdown.stopping) return; // the services not started yet never start
      await startOne(entry);
    }
    if (shutdown.stopping) return;
    const addresses = started.flatMap((s) => s.service.listeners.map((l) => `${l.address.host}:${l.address.port}`));
    if (process.connected) process.send?.({ type: 'ready', service: label, addresses } satisfies ReadyMessage, undefined, undefined, () => undefined);
  })();
  starting.catch(fail);
}

/**
 * The drain proper, once start-up has ended: each service says what it has in flight (over
 * its listeners and, in one process, from its neighbours) and turns NOT_SERVING; then,
 * callers first (the router, then health, the agent, the cache), each stops accepting
 * (in-flight requests get their share of the grace) and releases what it holds; then
 * telemetry is handed over (at most {@link TELEMETRY_FLUSH_MS}).
 */
async function drainAll(started: readonly Started[], config: UltraConfig, time: DrainTime): Promise<void> {
  const callers = [...started].reverse();
  for (const s of callers) {
    const inFlight = s.service.listeners.reduce((n, l) => n + l.inFlight, 0) + (inProcessEndpoint(rpcAddress(config, s.name))?.calls.inFlight ?? 0);
    s.log.info({ inFlight }, `${s.name} draining (${inFlight} in flight)`);
    s.service.health.shutdown();
  }
  for (const s of callers) {
    s.shutdown.abort();
    time.step(`${s.name}: finishing requests`);
    await Promise.all(s.service.listeners.map((l) => l.close(time.requestsMs())));
    time.step(`${s.name}: closing clients`);
    await s.service.close?.();
    s.closeMetrics();
    s.log.info(`${s.name} stopped`);
  }
  time.step('handing over telemetry');
  const handedOver = Promise.all([...started.map((s) => s.metrics.shutdown()), shutdownTelemetry()]).then(() => true, () => false);
  if (!(await within(handedOver, Math.min(TELEMETRY_FLUSH_MS, time.remainingMs())))) callers[0]?.log.warn(`telemetry not handed over within ${TELEMETRY_FLUSH_MS} ms; dropped`);
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

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createSeededRandom, systemClock, systemRandom, type Clock, type Random } from '@ultra/core';
import { handleAdmin } from './admin.ts';
import { createConcurrencyBook } from './concurrency.ts';
import { NO_FAULTS, parseFaults, type Faults, type FaultsInput } from './faults.ts';
import { sendJson } from './http-io.ts';
import { handleProvider } from './provider-handler.ts';
import { createStatsBook, type SimStats } from './stats.ts';

/** Options of {@link createSimulator}; every field is optional. */
export interface SimulatorOptions {
  /** Times latency, jitter and slow tokens. Default: systemClock. */
  clock: Clock;
  /** Draws error rates and jitter. Default: systemRandom, or a seeded one when `seed` is given. */
  random: Random;
  /** Seed for a deterministic random source (ignored when `random` is given). */
  seed: number;
  /** When set, every provider path requires this key, sent the provider's way. Default: no check. */
  apiKey: string;
  /** Faults per provider name at start. */
  faults: Readonly<Record<string, FaultsInput>>;
  /** Model names the model lists show. Default: `['sim-small', 'sim-large']`. */
  models: readonly string[];
}

/** Where a listening simulator is. */
export interface SimAddress {
  port: number;
  host: string;
  /** `http://HOST:PORT`; a provider NAME's base URLs are below `${url}/NAME`. */
  url: string;
}

export interface Simulator {
  /** The node:http server (not listening until {@link Simulator.listen}). */
  readonly server: Server;
  /** Starts listening. Defaults: port 0 (a free one), host 127.0.0.1. */
  listen(port?: number, host?: string): Promise<SimAddress>;
  /** Stops listening and ends every open request, hanging ones included. */
  close(): Promise<void>;
  /** Replaces one provider's faults; throws a TypeError naming bad fields. */
  setFaults(name: string, faults: FaultsInput): Faults;
  clearFaults(name: string): void;
  stats(): SimStats;
  /** Clears every fault and every count. */
  reset(): void;
}

const PROVIDER_NAME = /^\/([A-Za-z0-9][A-Za-z0-9._-]*)(\/.*)$/;

/**
 * Creates one HTTP server that simulates any number of LLM providers, each under its
 * own path prefix `/NAME`, speaking the OpenAI, Anthropic, Gemini and Cohere APIs on
 * their real paths, with faults per provider and an admin API under `/_sim`.
 */
export function createSimulator(options: Partial<SimulatorOptions> = {}): Simulator {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? (options.seed === undefined ? systemRandom : createSeededRandom(options.seed));
  const stats = createStatsBook();
  const concurrency = createConcurrencyBook();
  const faults = new Map<string, Faults>();
  const open = new Set<AbortController>();
  let seq = 0;

  const trySetFaults = (name: string, input: unknown) => {
    const result = parseFaults(input);
    if (result.ok) faults.set(name, result.faults);
    return result;
  };
  const setFaults = (name: string, input: FaultsInput): Faults => {
    const result = trySetFaults(name, input);
    if (!result.ok) throw new TypeError(`provider-sim faults for "${name}": ${result.error}`);
    return result.faults;
  };
  for (const [name, f] of Object.entries(options.faults ?? {})) setFaults(name, f);

  const target = {
    stats: () => stats.snapshot(),
    concurrency: () => concurrency.snapshot(),
    resetConcurrency: () => concurrency.reset(),
    faultsOf: (name: string) => faults.get(name) ?? NO_FAULTS,
    trySetFaults,
    clearFaults: (name: string) => void faults.delete(name),
    reset: () => {
      faults.clear();
      stats.reset();
      concurrency.reset();
    },
  };
  const deps = { clock, random, stats, faultsOf: target.faultsOf, apiKey: options.apiKey, models: options.models ?? ['sim-small', 'sim-large'], nextId: () => ++seq, concurrency };

  const handle = async (req: IncomingMessage, res: ServerResponse, signal: AbortSignal) => {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    if (url.pathname.startsWith('/_sim/')) return handleAdmin(target, req, res, url.pathname);
    const match = PROVIDER_NAME.exec(url.pathname);
    if (!match) return sendJson(res, 404, { error: `provider-sim: paths are /NAME/<provider API path> or /_sim/...; got ${url.pathname}` });
    return handleProvider(deps, req, res, match[1]!, url, signal);
  };

  const server = createServer((req, res) => {
    const controller = new AbortController();
    open.add(controller);
    res.on('close', () => {
      open.delete(controller);
      controller.abort();
    });
    handle(req, res, controller.signal).catch((e: unknown) => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: `provider-sim: ${e instanceof Error ? e.message : String(e)}` });
    });
  });

  return {
    server,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          if (address === null || typeof address === 'string') return reject(new Error(`provider-sim: listening on ${host}:${port} gave no TCP address (${String(address)})`));
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve({ port: address.port, host: address.address, url: `http://${shown}:${address.port}` });
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        for (const c of open) c.abort();
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    setFaults,
    clearFaults: target.clearFaults,
    stats: target.stats,
    reset: target.reset,
  };
}

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedis, type RedisServer } from '@ultra/testkit';
import { spawnService, type BenchProcess } from './processes.ts';

/** Where one router and the services it talks to listen. */
export interface RouterPorts {
  grpc: number;
  http: number;
  cache: number;
}

export interface SharedPorts {
  agent: number;
  health: number;
  simulator: number;
}

/**
 * The bench config: the simulator answers at once; one primary (openai) and one
 * secondary (anthropic) so failover has somewhere to go; probes rare (30 s) so they do
 * not add noise; a generous default deadline so a slow moment on a loaded machine never
 * turns into a timeout; a 1 s attempt timeout in the agent so a hanging provider is
 * given up on (and counted by its breaker) quickly in the failover phase; a cache replica
 * bound of 2 000 entries (default 10 000) so that the replica reaches its bound early and
 * the memory soak measures a steady state rather than a filling cache.
 */
export function benchConfig(router: RouterPorts, shared: SharedPorts, options: { near?: string } = {}): string {
  return `providers:
  primary: [openai]
  secondary: [anthropic]
health_check: { interval: 30s, timeout: 2s, threshold: 3 }
cache: { max_entries: 2000${options.near ? `, near: { ttl: ${options.near} }` : ''} }
failover: { strategy: round-robin, sticky_sessions: false, cooldown: 300s, default_timeout: 60s }
retry: { attempt_timeout: 1s }
simulate: always
services:
  router: { grpc: 127.0.0.1:${router.grpc}, http: 127.0.0.1:${router.http} }
  provider_agent: { address: 127.0.0.1:${shared.agent} }
  cache: { address: 127.0.0.1:${router.cache} }
  health: { address: 127.0.0.1:${shared.health} }
  simulator: { address: 127.0.0.1:${shared.simulator} }
shutdown: { grace: 2s }
`;
}

/** The processes of one run: the simulator, Redis, one agent and health service, and two router+cache pairs. */
export interface BenchStack {
  shared: SharedPorts;
  /** Router A and cache A: the main subject. */
  a: RouterPorts;
  /** Router B and cache B: a second pair on the same Redis, for reads of entries A wrote. */
  b: RouterPorts;
  simUrl: string;
  redis: RedisServer;
  /** Every service process by name: simulator, agent, health, router, cache, router-b, cache-b. */
  processes: Map<string, BenchProcess>;
  /** A third router on cache A, started with `--cpu-prof` when asked for (it writes its profile when stopped). */
  profiled: { process: BenchProcess; ports: RouterPorts; dir: string } | undefined;
  stop(): Promise<void>;
}

const ENV = { ULTRA_LOG_LEVEL: 'warn' };
/** `cache.near.ttl` of router B. */
export const NEAR_TTL = '1s';

function writeConfig(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), `ultra-bench-${name}-`)), 'ultra.yaml');
  writeFileSync(file, text);
  return file;
}

/**
 * Starts everything, each service its own process on free ports. REDIS_URL goes to the
 * caches only: the router's queue is not what is measured here.
 */
export async function startBenchStack(options: { profileDir?: string | undefined; nodeFlags?: readonly string[] } = {}): Promise<BenchStack> {
  // Node flags for the services only (the simulator is the baseline).
  const flags = options.nodeFlags ?? [];
  const shared: SharedPorts = { agent: await freePort(), health: await freePort(), simulator: await freePort() };
  const ports = async (cache: number): Promise<RouterPorts> => ({ grpc: await freePort(), http: await freePort(), cache });
  const a = await ports(await freePort());
  const b = await ports(await freePort());
  const c = await ports(a.cache);
  const configA = writeConfig('a', benchConfig(a, shared));
  // Router B keeps a near cache (cache.near, off by default): its repeats are the near-hit path.
  const configB = writeConfig('b', benchConfig(b, shared, { near: NEAR_TTL }));
  const redis = await startRedis();
  const processes = new Map<string, BenchProcess>();
  const spawn = (name: string, entry: string, args: string[], env: NodeJS.ProcessEnv = {}, execArgv: string[] = []) => {
    const nodeFlags = entry.startsWith('services/') ? flags : [];
    const p = spawnService(name, entry, args, { env: { ...ENV, ...env }, nodeFlags, execArgv, readyLine: /listening on/ });
    processes.set(name, p);
    return p;
  };
  const stopAll = async () => {
    await Promise.all([...processes.values()].map((p) => p.stop('SIGTERM')));
    await redis.stop();
  };
  try {
    await spawn('simulator', 'libs/provider-sim/src/main.ts', ['--host', '127.0.0.1', '--port', String(shared.simulator)]).ready;
    const redisEnv = { REDIS_URL: redis.url };
    const profiled = options.profileDir
      ? spawn('profiled-router', 'services/router/src/main.ts', ['--config', writeConfig('c', benchConfig(c, shared))], {}, [
          '--cpu-prof',
          `--cpu-prof-dir=${options.profileDir}`,
          '--cpu-prof-interval=250',
        ])
      : undefined;
    const started = [
      ...(profiled ? [profiled] : []),
      spawn('cache', 'services/cache/src/main.ts', ['--config', configA], redisEnv),
      spawn('cache-b', 'services/cache/src/main.ts', ['--config', configB], redisEnv),
      spawn('agent', 'services/provider-agent/src/main.ts', ['--config', configA]),
      spawn('health', 'services/health/src/main.ts', ['--config', configA]),
      spawn('router', 'services/router/src/main.ts', ['--config', configA]),
      spawn('router-b', 'services/router/src/main.ts', ['--config', configB]),
    ];
    await Promise.all(started.map((p) => p.ready));
  } catch (e) {
    await Promise.all([...processes.values()].map((p) => p.stop('SIGKILL')));
    await redis.stop();
    throw e;
  }
  return {
    shared,
    a,
    b,
    simUrl: `http://127.0.0.1:${shared.simulator}`,
    redis,
    processes,
    profiled: options.profileDir ? { process: processes.get('profiled-router')!, ports: c, dir: options.profileDir } : undefined,
    stop: stopAll,
  };
}

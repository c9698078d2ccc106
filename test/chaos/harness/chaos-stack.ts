import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess, startRedis, type RedisServer, type ServiceProcess } from '@ultra/testkit';
import { chaosConfigs, PROVIDER_NAMES, type EdgePorts, type ListenPorts } from './chaos-config.ts';
import { createEdges, type EdgeName, type Edges } from './edges.ts';

/** The four services, each its own OS process. */
export type ServiceName = 'router' | 'agent' | 'cache' | 'health';

const ENTRIES: Record<ServiceName, string> = {
  router: 'services/router/src/main.ts',
  agent: 'services/provider-agent/src/main.ts',
  cache: 'services/cache/src/main.ts',
  health: 'services/health/src/main.ts',
};

/** A running chaos stack: Redis, the simulator, four services, a fault proxy on every edge. */
export interface ChaosStack {
  readonly listen: ListenPorts;
  readonly edgePorts: EdgePorts;
  readonly edges: Edges;
  readonly redis: RedisServer;
  readonly simulator: ServiceProcess;
  /** The live process of each service (replaced by {@link ChaosStack.restart}). */
  readonly processes: Record<ServiceName, ServiceProcess>;
  /** `http://127.0.0.1:PORT` of the simulator's admin API (never through a proxy). */
  readonly simUrl: string;
  /** `http://127.0.0.1:PORT` of the router's HTTP/1.1 front door. */
  readonly frontUrl: string;
  /** Starts the service again from its own config, after it exited; resolves once it is ready. */
  restart(name: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

/** Stacks started and not yet stopped, for {@link stopAllStacks}. */
const live = new Set<ChaosStack>();
/** Clean-ups of stacks still starting. */
const starting = new Set<() => Promise<void>>();

/** Stops every stack still running or starting (for a Ctrl-C in the middle of a run). */
export async function stopAllStacks(): Promise<void> {
  await Promise.all([...[...live].map((s) => s.stop()), ...[...starting].map((c) => c())]);
}

/** Options of {@link startChaosStack}. */
export interface ChaosStackOptions {
  /** YAML appended to every service's config. */
  extraConfig?: string;
  /** The timing keys in place of `CHAOS_TUNING` (see `Scenario.tuning`). */
  tuning?: string;
  /** Log level of the services. Default `warn`. */
  logLevel?: string;
}

/**
 * The Toxiproxy API to drive: `TOXIPROXY_URL` when set (a real Toxiproxy, which must reach
 * 127.0.0.1, e.g. `--net=host`), else our fault proxy started as its own process (as
 * `npm run toxiproxy` does), so that the load generator and the proxy never wait on each
 * other's event loop.
 */
async function startToxiproxy(cleanups: (() => Promise<unknown>)[]): Promise<string> {
  const external = process.env['TOXIPROXY_URL']?.trim();
  if (external) return external.replace(/\/+$/, '');
  const port = await freePort();
  const proxy = startProcess('toxiproxy', 'test/chaos/proxy/main.ts', ['--host', '127.0.0.1', '--port', String(port)], {
    readyLine: /listening on/,
  });
  cleanups.push(() => proxy.stop('SIGTERM'));
  await proxy.ready;
  return `http://127.0.0.1:${port}`;
}

/** Starts everything on free loopback ports; the services dial each other only through the proxies. */
export async function startChaosStack(options: ChaosStackOptions = {}): Promise<ChaosStack> {
  const ports = async (n: number) => Promise.all(Array.from({ length: n }, () => freePort()));
  const [routerGrpc, routerHttp, agent, cache, health, simulatorPort, redisPort] = await ports(7);
  const listen: ListenPorts = { routerGrpc: routerGrpc!, routerHttp: routerHttp!, agent: agent!, cache: cache!, health: health!, simulator: simulatorPort!, redis: redisPort! };
  const upstream = {
    'router-agent': listen.agent,
    'router-cache': listen.cache,
    'router-health': listen.health,
    'cache-redis': listen.redis,
    ...Object.fromEntries(PROVIDER_NAMES.map((p) => [`agent-${p}`, listen.simulator])),
  } as Record<EdgeName, number>;

  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  starting.add(cleanup);
  try {
    const redis = await startRedis(listen.redis);
    cleanups.push(() => redis.stop());
    const apiUrl = await startToxiproxy(cleanups);
    const edges = await createEdges(apiUrl, upstream, freePort);
    cleanups.push(() => edges.removeAll());
    const edgePorts: EdgePorts = {
      agent: edges.listen['router-agent'],
      cache: edges.listen['router-cache'],
      health: edges.listen['router-health'],
      redis: edges.listen['cache-redis'],
      providers: Object.fromEntries(PROVIDER_NAMES.map((p) => [p, edges.listen[`agent-${p}`]])),
    };

    const dir = mkdtempSync(join(tmpdir(), 'ultra-chaos-'));
    const texts = chaosConfigs(listen, edgePorts, options.extraConfig, options.tuning);
    const files = Object.fromEntries(
      (Object.keys(texts) as ServiceName[]).map((name) => {
        const file = join(dir, `${name}.yaml`);
        writeFileSync(file, texts[name]);
        return [name, file];
      }),
    ) as Record<ServiceName, string>;
    const env = { ULTRA_LOG_LEVEL: options.logLevel ?? 'warn', REDIS_URL: `redis://127.0.0.1:${edgePorts.redis}` };
    const simulator = startProcess('provider-sim', 'libs/provider-sim/src/main.ts', ['--host', '127.0.0.1', '--port', String(listen.simulator)], {
      env,
      readyLine: /listening on/,
    });
    cleanups.push(() => simulator.stop('SIGKILL'));
    await simulator.ready;
    const launch = (name: ServiceName) => startProcess(name, ENTRIES[name], ['--config', files[name]], { env });
    const processes = { cache: launch('cache'), agent: launch('agent'), health: launch('health'), router: launch('router') };
    cleanups.push(() => Promise.all(Object.values(processes).map((p) => p.stop('SIGKILL'))));
    await Promise.all(Object.values(processes).map((p) => p.ready));

    const stack: ChaosStack = {
      listen,
      edgePorts,
      edges,
      redis,
      simulator,
      processes,
      simUrl: `http://127.0.0.1:${listen.simulator}`,
      frontUrl: `http://127.0.0.1:${listen.routerHttp}`,
      async restart(name) {
        const next = launch(name);
        processes[name] = next;
        await next.ready;
      },
      async stop() {
        if (!live.delete(stack)) return;
        // Services first (gracefully, for at most 5 s), then what they depend on.
        const graceful = Promise.all(Object.values(processes).map((p) => p.stop('SIGTERM')));
        await Promise.race([graceful, new Promise((r) => setTimeout(r, 5_000))]);
        await cleanup(); // SIGKILLs whatever has not exited by now
      },
    };
    live.add(stack);
    return stack;
  } catch (e) {
    await cleanup();
    throw e;
  } finally {
    starting.delete(cleanup);
  }
}

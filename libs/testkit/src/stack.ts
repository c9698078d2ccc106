import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { defaultNodeFlags, startProcess, type ServiceProcess } from './service-process.ts';

export interface StackPorts {
  router: number;
  routerHttp: number;
  agent: number;
  cache: number;
  health: number;
  simulator: number;
}

export interface Stack {
  ports: StackPorts;
  configFile: string;
  processes: Record<'simulator' | 'cache' | 'agent' | 'health' | 'router', ServiceProcess>;
  /** Base URL of the simulator's admin API and provider paths. */
  simUrl: string;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** YAML appended to the config (keys not already in it); `SIMPORT` stands for the simulator's port. */
  extraConfig?: string;
  /** The `health_check:` value, a YAML flow mapping. */
  healthCheck?: string;
  /** The `failover:` value, a YAML flow mapping. */
  failover?: string;
  /** `simulate:` (default `always`). */
  simulate?: 'auto' | 'always' | 'never';
  /** The `providers:` block's tier lines (default the action plan's two tiers of two). */
  providers?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * `split` (default): one process per service, as the multi-process and chaos tests need;
   * `single`: the four in one process (`ultra serve`, as `ultra start` runs them by
   * default), where `processes.cache`, `.agent`, `.health` and `.router` are that one process.
   */
  topology?: 'single' | 'split';
  /** Extra Node flags for the router's process (in `single`, the one process), e.g. `['--cpu-prof', '--cpu-prof-dir=DIR']` to see where its time goes. */
  routerNodeFlags?: string[];
}

/** A free port for each listener of the stack. */
export async function freeStackPorts(): Promise<StackPorts> {
  return {
    router: await freePort(),
    routerHttp: await freePort(),
    agent: await freePort(),
    cache: await freePort(),
    health: await freePort(),
    simulator: await freePort(),
  };
}

/** The action plan's block, on free ports, always simulated. */
export function stackConfig(ports: StackPorts, extra = '', options: Pick<StackOptions, 'healthCheck' | 'failover' | 'simulate' | 'providers'> = {}): string {
  return `providers:
  ${options.providers ?? 'primary: [openai, anthropic]\n  secondary: [google, cohere]'}
health_check: ${options.healthCheck ?? '{ interval: 1s, timeout: 500ms, threshold: 2 }'}
failover: ${options.failover ?? '{ strategy: round-robin, sticky_sessions: true, cooldown: 300s }'}
simulate: ${options.simulate ?? 'always'}
services:
  router: { grpc: 127.0.0.1:${ports.router}, http: 127.0.0.1:${ports.routerHttp}, metrics: 127.0.0.1:0 }
  provider_agent: { address: 127.0.0.1:${ports.agent}, metrics: 127.0.0.1:0 }
  cache: { address: 127.0.0.1:${ports.cache}, metrics: 127.0.0.1:0 }
  health: { address: 127.0.0.1:${ports.health}, metrics: 127.0.0.1:0 }
  simulator: { address: 127.0.0.1:${ports.simulator} }
shutdown: { grace: 5s }
${extra}`;
}

/**
 * Starts the simulator and the four services, each as its own process on free ports,
 * from a config written to a temporary file. `configText` may replace the default config.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const ports = await freeStackPorts();
  const dir = mkdtempSync(join(tmpdir(), 'ultra-stack-'));
  const configFile = join(dir, 'ultra.yaml');
  // `SIMPORT` in the extra config stands for the simulator's port (for endpoints pointing at it).
  writeFileSync(configFile, stackConfig(ports, options.extraConfig?.replaceAll('SIMPORT', String(ports.simulator)), options));
  const env = { ULTRA_LOG_LEVEL: 'warn', ...options.env };
  const args = ['--config', configFile];
  const simulator = startProcess('provider-sim', 'libs/provider-sim/src/main.ts', ['--host', '127.0.0.1', '--port', String(ports.simulator)], {
    env,
    readyLine: /listening on/,
  });
  await simulator.ready;
  const processes = { simulator, ...startServices(options.topology ?? 'split', args, env, options.routerNodeFlags ?? []) };
  const { cache, agent, health, router } = processes;
  try {
    await Promise.all([cache.ready, agent.ready, health.ready, router.ready]);
  } catch (e) {
    await Promise.all(Object.values(processes).map((p) => p.stop('SIGKILL')));
    throw e;
  }
  return {
    ports,
    configFile,
    processes,
    simUrl: `http://127.0.0.1:${ports.simulator}`,
    async stop() {
      await Promise.all([...new Set(Object.values(processes))].map((p) => p.stop('SIGTERM')));
    },
  };
}

/** The services' processes: one each (`split`), or one for all four (`single`). */
function startServices(topology: 'single' | 'split', args: string[], env: NodeJS.ProcessEnv, routerFlags: string[]): Record<'cache' | 'agent' | 'health' | 'router', ServiceProcess> {
  const routerOptions = routerFlags.length > 0 ? { env, execArgv: [...defaultNodeFlags, ...routerFlags] } : { env };
  if (topology === 'single') {
    const all = startProcess('services', 'libs/cli/src/serve-main.ts', ['cache', 'provider-agent', 'health', 'router', ...args], routerOptions);
    return { cache: all, agent: all, health: all, router: all };
  }
  return {
    cache: startProcess('cache', 'services/cache/src/main.ts', args, { env }),
    agent: startProcess('provider-agent', 'services/provider-agent/src/main.ts', args, { env }),
    health: startProcess('health', 'services/health/src/main.ts', args, { env }),
    router: startProcess('router', 'services/router/src/main.ts', args, routerOptions),
  };
}

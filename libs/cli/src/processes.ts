import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Topology, UltraConfig } from '@ultra/config';

/** One process of the stack: what to run and how to tell it is ready. */
export interface ProcessSpec {
  name: string;
  /** The entry point's TypeScript source, from the repository root (`services/cache/src/main.ts`). */
  entry: string;
  args: string[];
  /** Ready when the child sends `{type: 'ready'}` over IPC, or prints a line matching this. */
  readyLine?: RegExp;
}

/** The four services, as `ultra serve` names them, in the order `ultra start --topology split` starts them. */
const SPLIT = [
  ['cache', 'services/cache/src/main.ts'],
  ['provider-agent', 'services/provider-agent/src/main.ts'],
  ['health', 'services/health/src/main.ts'],
  ['router', 'services/router/src/main.ts'],
] as const;

/** The name the supervisor gives the one process of topology `single`. */
export const SINGLE_PROCESS = 'services';

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/**
 * The processes `ultra start` runs, in start order: the simulator (when a provider is
 * simulated), then with topology `single` one process serving router, provider-agent,
 * cache and health (`ultra serve ...`), with `split` one process each: cache,
 * provider-agent, health, router.
 */
export function stackProcesses(config: UltraConfig, configFile: string | undefined, topology: Topology = config.topology): ProcessSpec[] {
  const args = configFile ? ['--config', configFile] : [];
  const specs: ProcessSpec[] = [];
  if (Object.values(config.providers).some((p) => p.simulated)) {
    const sim = config.services.simulator;
    specs.push({ name: 'provider-sim', entry: 'libs/provider-sim/src/main.ts', args: ['--host', sim.host, '--port', String(sim.port)], readyLine: /listening on/ });
  }
  if (topology === 'single') specs.push({ name: SINGLE_PROCESS, entry: 'libs/cli/src/serve-main.ts', args: [...SPLIT.map(([name]) => name), ...args] });
  else specs.push(...SPLIT.map(([name, entry]) => ({ name, entry, args })));
  return specs;
}

/**
 * How to run an entry point: from the compiled JavaScript beside its source
 * (`services/cache/dist/main.js`, made by `npm run build`) when this command runs compiled,
 * else its TypeScript through tsx. The telemetry instrumentation is loaded first either way.
 */
export function launch(spec: ProcessSpec): { entry: string; execArgv: string[]; args: string[] } {
  const otel = ['--import', import.meta.resolve('@ultra/telemetry/instrumentation')];
  const compiled = spec.entry.replace(/\/src\/(.*)\.ts$/, '/dist/$1.js');
  if (runsCompiled() && existsSync(root(compiled))) return { entry: root(compiled), execArgv: otel, args: spec.args };
  return { entry: root(spec.entry), execArgv: ['--import', import.meta.resolve('tsx'), '--conditions=ultra-source', ...otel], args: spec.args };
}

/** Whether this module is the compiled build (dist/*.js) rather than the TypeScript source. */
export function runsCompiled(): boolean {
  return import.meta.url.endsWith('.js');
}

import { fileURLToPath } from 'node:url';
import type { UltraConfig } from '@ultra/config';

/** One process of the stack: what to run and how to tell it is ready. */
export interface ProcessSpec {
  name: string;
  /** The TypeScript entry point, run with tsx's loader. */
  entry: string;
  args: string[];
  /** Ready when the child sends `{type: 'ready'}` over IPC, or prints a line matching this. */
  readyLine?: RegExp;
}

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/**
 * The processes `ultra start` runs, in start order: the simulator (when a provider is
 * simulated), cache, provider-agent, health, router.
 */
export function stackProcesses(config: UltraConfig, configFile: string | undefined): ProcessSpec[] {
  const args = configFile ? ['--config', configFile] : [];
  const specs: ProcessSpec[] = [];
  if (Object.values(config.providers).some((p) => p.simulated)) {
    const sim = config.services.simulator;
    specs.push({
      name: 'provider-sim',
      entry: root('libs/provider-sim/src/main.ts'),
      args: ['--host', sim.host, '--port', String(sim.port)],
      readyLine: /listening on/,
    });
  }
  specs.push(
    { name: 'cache', entry: root('services/cache/src/main.ts'), args },
    { name: 'provider-agent', entry: root('services/provider-agent/src/main.ts'), args },
    { name: 'health', entry: root('services/health/src/main.ts'), args },
    { name: 'router', entry: root('services/router/src/main.ts'), args },
  );
  return specs;
}

/** The node arguments that run a TypeScript entry point. */
export function nodeArgs(spec: ProcessSpec): string[] {
  return ['--import', import.meta.resolve('tsx'), '--import', import.meta.resolve('@ultra/telemetry/instrumentation'), spec.entry, ...spec.args];
}

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackConfig, type StackOptions, type StackPorts } from './stack.ts';

/**
 * Config files (as `--config FILE` arguments) for a stack with two provider-agents:
 * `shared` for every service but agent b, with the agents' dial list naming both (agent a
 * at `ports.agent`), and `second` for agent b at `agentB`. `metrics` gives each agent a
 * metrics port (default: any).
 */
export function twoAgentConfigs(
  ports: StackPorts,
  agentB: number,
  options: Pick<StackOptions, 'providers' | 'failover' | 'healthCheck'> = {},
  metrics: { readonly a?: number; readonly b?: number } = {},
): { shared: string[]; second: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'ultra-two-agents-'));
  const base = stackConfig(ports, '', options);
  const agentLine = `provider_agent: { address: 127.0.0.1:${ports.agent}, metrics: 127.0.0.1:0 }`;
  if (!base.includes(agentLine)) throw new Error('stackConfig no longer writes the provider_agent line twoAgentConfigs replaces: update both');
  const write = (name: string, line: string) => {
    const file = join(dir, name);
    writeFileSync(file, base.replace(agentLine, line));
    return ['--config', file];
  };
  return {
    shared: write('ultra.yaml', `provider_agent: { address: 127.0.0.1:${ports.agent}, metrics: 127.0.0.1:${metrics.a ?? 0}, dial: [127.0.0.1:${ports.agent}, 127.0.0.1:${agentB}] }`),
    second: write('agent-b.yaml', `provider_agent: { address: 127.0.0.1:${agentB}, metrics: 127.0.0.1:${metrics.b ?? 0} }`),
  };
}

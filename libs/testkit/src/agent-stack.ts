import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@connectrpc/connect';
import { ProviderAgentAdminService, ProviderAgentService, type ProviderState } from '@ultra/contracts/provider-agent';
import { createServiceClient } from '@ultra/runtime';
import { freePort } from './ports.ts';
import { startProcess, type ServiceProcess } from './service-process.ts';

/** A provider-agent and the provider simulator, each its own process, for the agent's multi-process tests. */
export interface AgentStack {
  readonly ports: { readonly agent: number; readonly simulator: number };
  readonly configFile: string;
  /** Base URL of the simulator's admin API. */
  readonly simUrl: string;
  readonly simulator: ServiceProcess;
  /** The agent process now (a new one after `restartAgent`). */
  readonly agent: ServiceProcess;
  readonly client: Client<typeof ProviderAgentService>;
  readonly admin: Client<typeof ProviderAgentAdminService>;
  /** `PUT /_sim/providers/NAME/faults`. */
  setFaults(provider: string, faults: Record<string, unknown>): Promise<void>;
  clearFaults(provider: string): Promise<void>;
  /** What reached the simulated provider: every request, and the health probes (model lists) among them. */
  simStats(provider: string): Promise<{ requests: number; probes: number; calls: number }>;
  /** The agent's state of `provider` now (GetProviders). */
  provider(name: string): Promise<ProviderState>;
  /** Stops the agent (SIGTERM) and starts a new one on the same port and config. */
  restartAgent(): Promise<void>;
  /** The agent process's resident set size (VmRSS of /proc/PID/status), in KiB. */
  agentRssKb(): number;
  stop(): Promise<void>;
}

export interface AgentStackOptions {
  /** Tiers; default `primary: [openai, anthropic]`. */
  providers?: string;
  /** Default `{ interval: 200ms, timeout: 500ms, threshold: 2 }`. */
  healthCheck?: string;
  /** More YAML at the end of the config (breaker:, retry:, bulkhead: ...). */
  extraConfig?: string;
  env?: NodeJS.ProcessEnv;
}

/** Starts the simulator, then the agent, from a config written to a temporary file, on free ports. */
export async function startAgentStack(options: AgentStackOptions = {}): Promise<AgentStack> {
  const ports = { agent: await freePort(), simulator: await freePort() };
  const configFile = join(mkdtempSync(join(tmpdir(), 'ultra-agent-')), 'ultra.yaml');
  writeFileSync(
    configFile,
    `providers:
  ${options.providers ?? 'primary: [openai, anthropic]'}
health_check: ${options.healthCheck ?? '{ interval: 200ms, timeout: 500ms, threshold: 2 }'}
simulate: always
services:
  provider_agent: { address: 127.0.0.1:${ports.agent} }
  simulator: { address: 127.0.0.1:${ports.simulator} }
shutdown: { grace: 2s }
${options.extraConfig ?? ''}`,
  );
  const env = { ULTRA_LOG_LEVEL: 'warn', ...options.env };
  const simulator = startProcess('provider-sim', 'libs/provider-sim/src/main.ts', ['--host', '127.0.0.1', '--port', String(ports.simulator)], {
    env,
    readyLine: /listening on/,
  });
  await simulator.ready;
  const startAgent = () => startProcess('provider-agent', 'services/provider-agent/src/main.ts', ['--config', configFile], { env });
  let agent = startAgent();
  try {
    await agent.ready;
  } catch (e) {
    await simulator.stop('SIGKILL');
    throw e;
  }
  const simUrl = `http://127.0.0.1:${ports.simulator}`;
  const address = { host: '127.0.0.1', port: ports.agent };
  const admin = createServiceClient(ProviderAgentAdminService, address);
  const faults = async (provider: string, init: RequestInit) => {
    const res = await fetch(`${simUrl}/_sim/providers/${provider}/faults`, init);
    if (!res.ok) throw new Error(`simulator faults for ${provider}: HTTP ${res.status} ${await res.text()}`);
  };
  return {
    ports,
    configFile,
    simUrl,
    simulator,
    get agent() {
      return agent;
    },
    client: createServiceClient(ProviderAgentService, address),
    admin,
    setFaults: (provider, body) => faults(provider, { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    clearFaults: (provider) => faults(provider, { method: 'DELETE' }),
    async simStats(provider) {
      const stats = (await (await fetch(`${simUrl}/_sim/stats`)).json()) as { providers: Record<string, { requests: number; probes: number }> };
      const s = stats.providers[provider] ?? { requests: 0, probes: 0 };
      return { requests: s.requests, probes: s.probes, calls: s.requests - s.probes };
    },
    async provider(name) {
      const found = (await admin.getProviders({}, { timeoutMs: 2_000 })).providers.find((p) => p.name === name);
      if (!found) throw new Error(`the agent does not report provider ${name}`);
      return found;
    },
    async restartAgent() {
      await agent.stop('SIGTERM');
      agent = startAgent();
      await agent.ready;
    },
    agentRssKb() {
      const status = readFileSync(`/proc/${agent.proc.pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
      if (kb === undefined) throw new Error(`no VmRSS in /proc/${agent.proc.pid}/status`);
      return Number(kb);
    },
    async stop() {
      await Promise.all([agent.stop('SIGTERM'), simulator.stop('SIGTERM')]);
    },
  };
}

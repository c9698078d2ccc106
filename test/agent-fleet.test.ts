import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { ConnectError, type Client } from '@connectrpc/connect';
import { ChatRequestSchema, Outcome, Role } from '@ultra/contracts/chat';
import { BreakerState, ForceMode, ProviderAgentAdminService, ProviderAgentService } from '@ultra/contracts/provider-agent';
import { attemptsOf, createServiceClient } from '@ultra/runtime';
import { freePort, startProcess, startRedis, waitFor, type RedisServer, type ServiceProcess } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Provider state shared by two provider-agent replicas through a real redis-server (issue
 * #20), each agent its own process, the provider simulator standing in for the providers
 * (it counts the requests reaching each, probes apart, and the most in flight at once).
 * The test sends its calls to the two agents in turn, as a round-robin ClusterIP Service
 * would. A third agent with its own simulator and no Redis is the one-agent baseline.
 */
const request = create(ChatRequestSchema, { messages: [{ role: Role.USER, content: 'hello fleet' }] });
const procs: ServiceProcess[] = [];
let redis: RedisServer;
let fleetSim = '';
let aloneSim = '';
type Agent = { client: Client<typeof ProviderAgentService>; admin: Client<typeof ProviderAgentAdminService> };
let fleet: Agent[] = [];
let alone: Agent;

function config(dir: string, name: string, agentPort: number, simPort: number): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `providers:
  primary: [openai, anthropic]
  secondary: [google, cohere]
simulate: always
services:
  provider_agent: { address: 127.0.0.1:${agentPort}, metrics: 127.0.0.1:0 }
  simulator: { address: 127.0.0.1:${simPort} }
shutdown: { grace: 2s }
bulkhead: { adaptive: false, limit: 8 }
`,
  );
  return file;
}

const agentAt = (port: number): Agent => {
  const address = { host: '127.0.0.1', port };
  return { client: createServiceClient(ProviderAgentService, address), admin: createServiceClient(ProviderAgentAdminService, address) };
};

async function startSim(name: string): Promise<string> {
  const port = await freePort();
  const sim = startProcess(name, 'libs/provider-sim/src/main.ts', ['--host', '127.0.0.1', '--port', String(port)], { env: { ULTRA_LOG_LEVEL: 'warn' }, readyLine: /listening on/ });
  procs.push(sim);
  await sim.ready;
  return `http://127.0.0.1:${port}`;
}

async function startAgent(name: string, dir: string, simUrl: string, env: NodeJS.ProcessEnv): Promise<Agent> {
  const port = await freePort();
  const agent = startProcess(name, 'services/provider-agent/src/main.ts', ['--config', config(dir, name, port, Number(new URL(simUrl).port))], { env: { ULTRA_LOG_LEVEL: 'warn', ...env } });
  procs.push(agent);
  await agent.ready;
  return agentAt(port);
}

const faults = async (simUrl: string, provider: string, body?: Record<string, unknown>) => {
  const res = await fetch(`${simUrl}/_sim/providers/${provider}/faults`, body ? { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : { method: 'DELETE' });
  if (!res.ok) throw new Error(`simulator faults for ${provider}: HTTP ${res.status} ${await res.text()}`);
};

/** Requests that reached `provider` at the simulator: all, and the calls among them (probes apart). */
async function reached(simUrl: string, provider: string): Promise<{ requests: number; calls: number }> {
  const stats = (await (await fetch(`${simUrl}/_sim/stats`)).json()) as { providers: Record<string, { requests: number; probes: number }> };
  const s = stats.providers[provider] ?? { requests: 0, probes: 0 };
  return { requests: s.requests, calls: s.requests - s.probes };
}

async function peakConcurrency(simUrl: string, provider: string): Promise<number> {
  const body = (await (await fetch(`${simUrl}/_sim/concurrency`)).json()) as { providers: Record<string, { peak: number }> };
  return body.providers[provider]?.peak ?? 0;
}

const modelOf = async (agent: Agent, provider: string) => (await agent.admin.getProviders({}, { timeoutMs: 2_000 })).providers.find((p) => p.name === provider)?.models[0] ?? '';
const stateOf = async (agent: Agent, provider: string) => (await agent.admin.getProviders({}, { timeoutMs: 2_000 })).providers.find((p) => p.name === provider);

/** One call; its last attempt's outcome and Retry-After (OK when served). */
async function call(agent: Agent, provider: string, model: string, options: { maxAttempts?: number; timeoutMs?: number; signal?: AbortSignal } = {}) {
  try {
    await agent.client.invoke({ provider, model, request, maxAttempts: options.maxAttempts ?? 0 }, { timeoutMs: options.timeoutMs ?? 5_000, ...(options.signal ? { signal: options.signal } : {}) });
    return { outcome: Outcome.OK, retryAfterMs: 0, detail: '' };
  } catch (e) {
    const last = attemptsOf(ConnectError.from(e)).at(-1);
    const err = ConnectError.from(e);
    return { outcome: last?.outcome ?? Outcome.UNSPECIFIED, retryAfterMs: last?.retryAfterMs ?? 0, detail: last?.detail ?? err.rawMessage };
  }
}

/** Calls `provider` one after another for `ms`, taking the agents in turn, a pause of `pauseMs` between calls; how each ended. */
async function inTurn(agents: readonly Agent[], provider: string, model: string, ms: number, pauseMs: number, maxAttempts = 0) {
  const end = Date.now() + ms;
  const results: Awaited<ReturnType<typeof call>>[] = [];
  while (Date.now() < end) {
    results.push(await call(agents[results.length % agents.length]!, provider, model, { maxAttempts }));
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  return results;
}

beforeAll(async () => {
  redis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'ultra-fleet-'));
  fleetSim = await startSim('sim-fleet');
  aloneSim = await startSim('sim-alone');
  const env = { REDIS_URL: redis.url };
  fleet = [await startAgent('agent-a', dir, fleetSim, env), await startAgent('agent-b', dir, fleetSim, env)];
  alone = await startAgent('agent-alone', dir, aloneSim, { REDIS_URL: '' });
  // Each agent has heard the other's heartbeat: its share of every bulkhead limit is 8 / 2.
  await waitFor(async () => (await Promise.all(fleet.map((a) => stateOf(a, 'google')))).every((s) => s?.concurrencyLimit === 4), { timeoutMs: 10_000, what: 'both agents at limit 4' });
}, 90_000);

afterAll(async () => {
  // What the agents warned of (the Redis outage of the last test, and anything unexpected).
  for (const p of procs.filter((p) => p.name.startsWith('agent-'))) console.info(`${p.name} warned:\n${p.output.filter((l) => /"level":[456]0/.test(l)).map((l) => l.slice(0, 400)).join('\n')}`);
  await Promise.all(procs.map((p) => p.stop('SIGTERM')));
  await redis?.stop();
});

describe('two provider-agents sharing provider state through Redis', () => {
  it('a provider killed: requests reaching it in 30 s with 2 agents ≤ with 1 agent + 2', async () => {
    const model = await modelOf(alone, 'openai');
    await faults(fleetSim, 'openai', { closeConnection: true });
    await faults(aloneSim, 'openai', { closeConnection: true });
    const [before1, before2] = [await reached(aloneSim, 'openai'), await reached(fleetSim, 'openai')];
    const [calls1, calls2] = await Promise.all([inTurn([alone], 'openai', model, 30_000, 50), inTurn(fleet, 'openai', model, 30_000, 50)]);
    const one = (await reached(aloneSim, 'openai')).requests - before1.requests;
    const two = (await reached(fleetSim, 'openai')).requests - before2.requests;
    console.info(`a dead provider in 30 s: ${one} requests reached it from 1 agent (${calls1.length} calls), ${two} from 2 agents (${calls2.length} calls)`);
    expect(one).toBeGreaterThan(0);
    expect(two).toBeLessThanOrEqual(one + 2);
    await faults(fleetSim, 'openai');
    await faults(aloneSim, 'openai');
  }, 50_000);

  it('a provider slowed to 2 s, bulkhead limit 8, 100 callers: at most 8 at the provider at once', async () => {
    const model = await modelOf(fleet[0]!, 'google');
    await faults(fleetSim, 'google', { latencyMs: 2_000 });
    await fetch(`${fleetSim}/_sim/concurrency`, { method: 'DELETE' });
    // Three rounds of 2 s, read before any caller leaves (a call cut mid-flight frees its
    // slot at the agent before the provider sees the connection close).
    const stop = new AbortController();
    const callers = Array.from({ length: 100 }, (_, i) => call(fleet[i % 2]!, 'google', model, { maxAttempts: 1, timeoutMs: 30_000, signal: stop.signal }));
    let served = 0;
    for (const c of callers) void c.then((r) => (served += r.outcome === Outcome.OK ? 1 : 0));
    await new Promise((r) => setTimeout(r, 6_500));
    const peak = await peakConcurrency(fleetSim, 'google');
    stop.abort();
    await Promise.all(callers);
    console.info(`100 callers of a 2 s provider through 2 agents: peak ${peak} at the provider, ${served} served`);
    expect(peak).toBeLessThanOrEqual(8);
    expect(peak).toBeGreaterThanOrEqual(6);
    expect(served).toBeGreaterThanOrEqual(8); // at least one round of 8 at once
    await faults(fleetSim, 'google');
  }, 30_000);

  it('one 429 with Retry-After 5 s: at most one more non-probe request to it in those 5 s', async () => {
    const model = await modelOf(fleet[0]!, 'cohere');
    await faults(fleetSim, 'cohere', { errorStatus: 429, retryAfterMs: 5_000 });
    const before = (await reached(fleetSim, 'cohere')).calls;
    const first = await call(fleet[0]!, 'cohere', model, { maxAttempts: 1 });
    expect(first, first.detail).toMatchObject({ outcome: Outcome.RATE_LIMITED, retryAfterMs: 5_000 });
    const made = await inTurn([fleet[1]!, fleet[0]!], 'cohere', model, 4_500, 50, 1);
    const during = (await reached(fleetSim, 'cohere')).calls - before;
    console.info(`${made.length} calls in the 5 s after a 429 with Retry-After 5 s: ${during} reached the provider (the 429 included)`);
    expect(during).toBeLessThanOrEqual(2);
    // The others were held back by the agents, each told how long is left.
    const held = made.filter((r) => r.outcome === Outcome.UNAVAILABLE && r.retryAfterMs > 0 && r.detail.includes('Retry-After, kept by every agent'));
    expect(held.length).toBeGreaterThanOrEqual(made.length - 1);
    // (that the hold ends with the Retry-After is fleet.test.ts's, on a manual clock)
    await faults(fleetSim, 'cohere');
  }, 30_000);
});

describe('an operator force', () => {
  it('sent to one agent holds on every agent, and auto sent to another ends it on all', async () => {
    await fleet[0]!.admin.forceBreaker({ provider: 'anthropic', mode: ForceMode.OPEN });
    await waitFor(async () => (await stateOf(fleet[1]!, 'anthropic'))?.breaker === BreakerState.FORCED_OPEN, { timeoutMs: 5_000, what: 'agent b forced open' });
    await fleet[1]!.admin.forceBreaker({ provider: 'anthropic', mode: ForceMode.AUTO });
    await waitFor(async () => (await stateOf(fleet[0]!, 'anthropic'))?.breaker === BreakerState.CLOSED, { timeoutMs: 5_000, what: 'agent a back to closed' });
    expect((await stateOf(fleet[1]!, 'anthropic'))?.breaker).toBe(BreakerState.CLOSED);
  }, 20_000);
});

describe('the fleet without Redis', () => {
  it('an agent goes on serving on its own state when Redis stops, says so in its log, and shares again when Redis is back', async () => {
    const model = await modelOf(fleet[0]!, 'anthropic');
    await redis.stop();
    const agentA = procs.find((p) => p.name === 'agent-a')!;
    await waitFor(() => agentA.output.some((l) => l.includes('fleet: Redis unreachable') && l.includes("provider state is this agent's own")), { timeoutMs: 10_000, what: 'the outage in agent a’s log' });
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => call(fleet[i % 2]!, 'anthropic', model)));
    expect(outcomes.map((o) => o.outcome)).toEqual(Array.from({ length: 10 }, () => Outcome.OK));
    // Redis back on the same port: the agents share again, and say so.
    redis = await startRedis(redis.port);
    await waitFor(() => agentA.output.some((l) => l.includes('fleet: Redis answers again')), { timeoutMs: 10_000, what: 'agent a back on Redis' });
    await fleet[0]!.admin.forceBreaker({ provider: 'anthropic', mode: ForceMode.OPEN });
    await waitFor(async () => (await stateOf(fleet[1]!, 'anthropic'))?.breaker === BreakerState.FORCED_OPEN, { timeoutMs: 5_000, what: 'agent b forced open after the outage' });
    await fleet[0]!.admin.forceBreaker({ provider: 'anthropic', mode: ForceMode.AUTO });
  }, 40_000);
});

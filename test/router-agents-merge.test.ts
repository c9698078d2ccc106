import { ForceMode, ProviderAgentAdminService, BreakerState } from '@ultra/contracts/provider-agent';
import { createServiceClient } from '@ultra/runtime';
import { callOnce, freePort, freeStackPorts, pollUntil, startProcess, twoAgentConfigs, waitFor, type ServiceProcess } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * One router dialling two provider-agents that disagree (no Redis, so nothing makes them
 * agree): the router merges what each agent's WatchProviders stream says, and a provider
 * one agent has open is open for the router (issue #20), so no call goes to it through
 * the other agent either.
 */
let procs: ServiceProcess[] = [];
let routerHttp = 0;
let simUrl = '';
let agentA = 0;

/** One uncached chat request through the router's OpenAI front door; its HTTP status (0: no answer). */
const ask = async (i: number): Promise<number> => (await callOnce(`http://127.0.0.1:${routerHttp}`, undefined, `merge ${i}`)).status;

const callsTo = async (provider: string) => {
  const stats = (await (await fetch(`${simUrl}/_sim/stats`)).json()) as { providers: Record<string, { requests: number; probes: number }> };
  const s = stats.providers[provider] ?? { requests: 0, probes: 0 };
  return s.requests - s.probes;
};

beforeAll(async () => {
  const ports = await freeStackPorts();
  routerHttp = ports.routerHttp;
  agentA = ports.agent;
  simUrl = `http://127.0.0.1:${ports.simulator}`;
  const agentB = await freePort();
  const { shared, second } = twoAgentConfigs(ports, agentB, { providers: 'primary: [openai, anthropic]', failover: '{ strategy: round-robin, sticky_sessions: false, cooldown: 0s }' });
  const env = { ULTRA_LOG_LEVEL: 'warn', REDIS_URL: '' };
  const sim = startProcess('provider-sim', 'libs/provider-sim/src/main.ts', ['--host', '127.0.0.1', '--port', String(ports.simulator)], { env, readyLine: /listening on/ });
  procs.push(sim);
  await sim.ready;
  procs.push(
    startProcess('agent-a', 'services/provider-agent/src/main.ts', shared, { env }),
    startProcess('agent-b', 'services/provider-agent/src/main.ts', second, { env }),
    startProcess('cache', 'services/cache/src/main.ts', shared, { env }),
    startProcess('health', 'services/health/src/main.ts', shared, { env }),
  );
  await Promise.all(procs.map((p) => p.ready));
  const router = startProcess('router', 'services/router/src/main.ts', shared, { env });
  procs.push(router);
  await router.ready;
  await pollUntil('the router answers', () => ask(-1), (s) => s === 200);
}, 150_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGTERM')));
  procs = [];
});

describe('a router hearing two agents that disagree', () => {
  it('sends nothing to a provider one agent has forced open, through either agent', async () => {
    // Both providers get calls while both agents have them closed.
    const before = await callsTo('openai');
    for (let i = 0; i < 20; i++) expect(await ask(i)).toBe(200);
    expect(await callsTo('openai')).toBeGreaterThan(before);

    const admin = createServiceClient(ProviderAgentAdminService, { host: '127.0.0.1', port: agentA });
    await admin.forceBreaker({ provider: 'openai', mode: ForceMode.OPEN });
    await waitFor(async () => (await admin.getProviders({})).providers.find((p) => p.name === 'openai')?.breaker === BreakerState.FORCED_OPEN, { what: 'agent a forced open' });
    for (let i = 0; i < 5; i++) await ask(100 + i); // the router has heard it by now (a WatchProviders message per change)
    const forced = await callsTo('openai');
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push(await ask(200 + i));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(await callsTo('openai')).toBe(forced);
  }, 60_000);
});

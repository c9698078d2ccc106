import { freePort, freeStackPorts, pollUntil, startProcess, twoAgentConfigs, type ServiceProcess } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Two real provider-agent processes behind one router's `services.provider_agent.dial`
 * list (issue #20): the router balances its calls over both, and when one stops it sends
 * everything to the other without an error. Simulator, cache and health run too, as in a
 * deployment.
 */
const N = 400;
let procs: ServiceProcess[] = [];
let routerHttp = 0;
const metrics: Record<'a' | 'b', number> = { a: 0, b: 0 };
const agents: Partial<Record<'a' | 'b', ServiceProcess>> = {};

/** Attempts the agent has made (its `ultra_agent_attempts` counter, summed over providers and outcomes). */
async function attempts(agent: 'a' | 'b'): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metrics[agent]}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('ultra_agent_attempts'))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

/** One chat request through the router's OpenAI front door, unique so that no cache answers it. */
async function ask(i: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${routerHttp}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ultra-cache': 'no-store' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `question ${i} ${Math.random()}` }], max_tokens: 8 }),
    signal: AbortSignal.timeout(10_000),
  });
  await res.text();
  return res.status;
}

/** `total` requests, `concurrency` at a time; the statuses. */
async function load(from: number, total: number, concurrency: number): Promise<number[]> {
  const statuses: number[] = [];
  let next = from;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < from + total) statuses.push(await ask(next++));
    }),
  );
  return statuses;
}

beforeAll(async () => {
  const ports = await freeStackPorts();
  routerHttp = ports.routerHttp;
  const agentB = await freePort();
  metrics.a = await freePort();
  metrics.b = await freePort();
  const { shared, second } = twoAgentConfigs(ports, agentB, { providers: 'primary: [openai, anthropic]', failover: '{ strategy: round-robin, sticky_sessions: false }' }, metrics);
  const env = { ULTRA_LOG_LEVEL: 'warn' };
  const sim = startProcess('provider-sim', 'libs/provider-sim/src/main.ts', ['--host', '127.0.0.1', '--port', String(ports.simulator)], { env, readyLine: /listening on/ });
  procs.push(sim);
  await sim.ready;
  agents.a = startProcess('agent-a', 'services/provider-agent/src/main.ts', shared, { env });
  agents.b = startProcess('agent-b', 'services/provider-agent/src/main.ts', second, { env });
  const cache = startProcess('cache', 'services/cache/src/main.ts', shared, { env });
  const health = startProcess('health', 'services/health/src/main.ts', shared, { env });
  procs.push(agents.a, agents.b, cache, health);
  await Promise.all(procs.map((p) => p.ready));
  const router = startProcess('router', 'services/router/src/main.ts', shared, { env });
  procs.push(router);
  await router.ready;
  await pollUntil('the router answers', () => ask(-1).catch((e: unknown) => String(e)), (s) => s === 200).catch((e: unknown) => {
    console.error(procs.map((p) => `${p.name}:\n${p.output.join('\n')}`).join('\n'));
    throw e;
  });
}, 150_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGTERM')));
  procs = [];
});

describe('a router dialling two agents', () => {
  it(`sends each agent 50 ± 10 % of ${N} requests, then all to the one left when the other stops, without an error`, async () => {
    const before = { a: await attempts('a'), b: await attempts('b') };
    const statuses = await load(0, N, 4);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const served = { a: (await attempts('a')) - before.a, b: (await attempts('b')) - before.b };
    console.info(`agent a served ${served.a}, agent b ${served.b} of ${N} requests`);
    expect(served.a + served.b).toBeGreaterThanOrEqual(N);
    expect(served.a / (served.a + served.b)).toBeGreaterThanOrEqual(0.4);
    expect(served.a / (served.a + served.b)).toBeLessThanOrEqual(0.6);

    // Agent a stops (SIGTERM: it drains, as a pod going away does) while requests run.
    const afterSplit = await attempts('b');
    const running = load(N, 200, 4);
    const stopped = agents.a!.stop('SIGTERM');
    const during = await running;
    expect(await stopped).toBe(0);
    expect(during.filter((s) => s !== 200)).toEqual([]);
    const rest = await load(N + 200, 100, 4);
    expect(rest.filter((s) => s !== 200)).toEqual([]);
    // Every request since a stopped reached b (a's share of the 200 at most before its drain).
    expect((await attempts('b')) - afterSplit).toBeGreaterThanOrEqual(100);
  }, 120_000);
});

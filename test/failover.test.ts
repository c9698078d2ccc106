import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { BreakerState, ProviderAgentService } from '@ultra/contracts/provider-agent';
import { startStack, type Stack } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The action plan's tiers, four simulated providers, steady load; the primaries die and
 * come back. Short durations in config stand in for the real ones.
 */
const COOLDOWN_MS = 4000;
let stack: Stack;

interface Result {
  at: number;
  status: number;
  provider: string;
  attempts: string;
}

async function simCalls(): Promise<Record<string, number>> {
  const stats = (await (await fetch(`${stack.simUrl}/_sim/stats`)).json()) as { providers: Record<string, { requests: number; probes: number }> };
  return Object.fromEntries(Object.entries(stats.providers).map(([n, s]) => [n, s.requests - s.probes]));
}

beforeAll(async () => {
  stack = await startStack({
    healthCheck: '{ interval: 300ms, timeout: 300ms, threshold: 2 }',
    failover: `{ strategy: round-robin, sticky_sessions: false, cooldown: ${COOLDOWN_MS}ms, cooldown_ramp: 0s, max_attempts: 3 }`,
  });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

describe('failover across tiers under steady load', () => {
  it('primaries die: every request succeeds from the secondaries, dead ones get only probes once their breakers open, traffic returns after the cooldown', async () => {
    const results: Result[] = [];
    let stop = false;
    let n = 0;
    const worker = async () => {
      while (!stop) {
        const res = await fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `steady load ${n++}` }] }),
        });
        await res.arrayBuffer();
        results.push({ at: Date.now(), status: res.status, provider: res.headers.get('x-ultra-provider') ?? '', attempts: res.headers.get('x-ultra-attempts') ?? '' });
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, worker));
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const agent = createClient(ProviderAgentService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${stack.ports.agent}` }));
    const breakers = async (): Promise<Record<string, BreakerState>> => {
      const abort = new AbortController();
      for await (const res of agent.watchProviders({}, { signal: abort.signal })) {
        abort.abort();
        return Object.fromEntries(res.providers.map((p) => [p.name, p.breaker]));
      }
      return {};
    };

    await wait(1500);
    const killedAt = Date.now();
    for (const p of ['openai', 'anthropic']) {
      await fetch(`${stack.simUrl}/_sim/providers/${p}/faults`, { method: 'PUT', body: JSON.stringify({ errorRate: 1, errorStatus: 503 }) });
    }
    // Wait for the agent to open both breakers, then watch the dead providers' call counts.
    const end = Date.now() + 15_000;
    let open = false;
    while (!open && Date.now() < end) {
      const b = await breakers();
      open = b['openai'] === BreakerState.OPEN && b['anthropic'] === BreakerState.OPEN;
      if (!open) await wait(100);
    }
    const openAt = Date.now();
    const atOpen = await simCalls();
    await wait(2000);
    const later = await simCalls();
    const clearedAt = Date.now();
    for (const p of ['openai', 'anthropic']) await fetch(`${stack.simUrl}/_sim/providers/${p}/faults`, { method: 'DELETE' });
    await wait(COOLDOWN_MS + 6000);
    stop = true;
    await load;

    const during = results.filter((r) => r.at > killedAt && r.at < clearedAt);
    expect(during.length).toBeGreaterThan(20);
    expect(during.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(during.filter((r) => r.at > killedAt + 500).every((r) => r.provider === 'google' || r.provider === 'cohere')).toBe(true);

    expect(open, 'both primary breakers opened').toBe(true);
    const leaked = (later['openai']! - atOpen['openai']!) + (later['anthropic']! - atOpen['anthropic']!);
    console.log(`breakers opened ${openAt - killedAt} ms after the fault; non-probe calls to dead primaries in the 2 s after: ${leaked}`);
    expect(leaked).toBe(0);

    // Traffic returns to the primaries, and only once the cooldown since the last failover away from them is over.
    const lastFailover = Math.max(...results.filter((r) => /(openai|anthropic):(server_error|overloaded|unavailable)/.test(r.attempts)).map((r) => r.at));
    const back = results.filter((r) => r.at > clearedAt && (r.provider === 'openai' || r.provider === 'anthropic'));
    expect(back.length).toBeGreaterThan(0);
    expect(back[0]!.at - lastFailover).toBeGreaterThanOrEqual(COOLDOWN_MS - 250);
  }, 90_000);
});

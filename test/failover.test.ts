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
  /** When the request was sent and when its answer came. */
  start: number;
  at: number;
  status: number;
  provider: string;
  attempts: string;
  body?: string;
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
        const start = Date.now();
        const res = await fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `steady load ${n++}` }] }),
        });
        const body = await res.text();
        results.push({ start, at: Date.now(), status: res.status, provider: res.headers.get('x-ultra-provider') ?? '', attempts: res.headers.get('x-ultra-attempts') ?? '', ...(res.status === 200 ? {} : { body }) });
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, worker));
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const agent = createClient(ProviderAgentService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${stack.ports.agent}` }));
    /** Which providers the agent reports out: breaker open, or failing its health probes. */
    const out = async (): Promise<Record<string, boolean>> => {
      const abort = new AbortController();
      for await (const res of agent.watchProviders({}, { signal: abort.signal })) {
        abort.abort();
        return Object.fromEntries(res.providers.map((p) => [p.name, p.breaker === BreakerState.OPEN || !p.healthy]));
      }
      return {};
    };

    await wait(1500);
    // Both faults set at once, and the kill time taken once both are in place: a request sent
    // between the two PUTs may rightly be answered by the primary not yet failing.
    await Promise.all(['openai', 'anthropic'].map((p) => fetch(`${stack.simUrl}/_sim/providers/${p}/faults`, { method: 'PUT', body: JSON.stringify({ errorRate: 1, errorStatus: 503 }) })));
    const killedAt = Date.now();
    // Wait for the agent to report both out (breaker open or probes failing), then watch the dead providers' call counts.
    const end = Date.now() + 15_000;
    let open = false;
    let o: Record<string, boolean> = {};
    while (!open && Date.now() < end) {
      o = await out();
      open = o['openai'] === true && o['anthropic'] === true;
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
    expect(during.length).toBeGreaterThan(5);
    expect(during.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(during.filter((r) => r.start > killedAt).every((r) => r.provider === "google" || r.provider === "cohere")).toBe(true);

    if (!open) console.log(`agent view when giving up: ${JSON.stringify(o)}`);
    expect(open, "both primaries reported out by the agent").toBe(true);
    const leaked = (later['openai']! - atOpen['openai']!) + (later['anthropic']! - atOpen['anthropic']!);
    console.log(`primaries reported out ${openAt - killedAt} ms after the fault; non-probe calls to them in the 2 s after: ${leaked}`);
    expect(leaked).toBe(0);

    // Traffic returns to the primaries, each only once the cooldown since the last failover away from it is over.
    const back = results.filter((r) => r.at > clearedAt && (r.provider === 'openai' || r.provider === 'anthropic'));
    expect(back.length).toBeGreaterThan(0);
    for (const p of ['openai', 'anthropic']) {
      const returned = back.find((r) => r.provider === p);
      if (!returned) continue;
      // Failovers away from p (a request answered elsewhere after p failed it) that had ended
      // before the returning request was sent: the cooldown ran from inside each of them.
      const failedOver = results
        .filter((r) => r.provider !== p && r.at < returned.start && new RegExp(`${p}:(server_error|overloaded|timeout|connection)`).test(r.attempts))
        .map((r) => r.start);
      if (failedOver.length === 0) continue;
      expect(returned.start - Math.max(...failedOver), `${p} came back before its cooldown`).toBeGreaterThanOrEqual(COOLDOWN_MS - 250);
    }
  }, 90_000);
});

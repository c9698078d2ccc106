import { startStack, type Stack } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

/** What `GET /_sim/stats` says of each provider (the fields read here). */
const SimStats = z.object({ providers: z.record(z.string(), z.object({ requests: z.number(), probes: z.number() })) });

/**
 * Issue #17's bound for a provider that slows down but answers (a crawl), on the defaults:
 * the action plan's tiers, `health_check` and `failover` blocks unchanged, no caller
 * deadline. Every provider's first token comes after 200–300 ms (the simulator's latency
 * fault); then openai's after 2–3 s, ten times its normal time. Within 30 s it must get at
 * most 5 % of the traffic, counted by the simulator (hedges included).
 */
const ACTION_PLAN = {
  healthCheck: '{ interval: 30s, timeout: 5s, threshold: 3 }',
  failover: '{ strategy: round-robin, sticky_sessions: true, cooldown: 300s }',
};
const PROVIDERS = ['openai', 'anthropic', 'google', 'cohere'];
const CALLERS = 8;
const NORMAL = { latencyMs: 200, jitterMs: 100 };
const CRAWL = { latencyMs: 2_000, jitterMs: 1_000 };
let stack: Stack;
let url: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const faults = (provider: string, body: unknown) => fetch(`${stack.simUrl}/_sim/providers/${provider}/faults`, { method: 'PUT', body: JSON.stringify(body) });

/** Chat calls each provider has had (health probes left out). */
async function chatCalls(): Promise<Record<string, number>> {
  const stats = SimStats.parse(await (await fetch(`${stack.simUrl}/_sim/stats`)).json());
  return Object.fromEntries(PROVIDERS.map((p) => [p, (stats.providers[p]?.requests ?? 0) - (stats.providers[p]?.probes ?? 0)]));
}

let seq = 0;
/** One whole-answer call with no deadline of its own; its status. */
async function call(): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ultra-cache': 'no-store' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `crawl ${++seq}` }] }),
  });
  await res.text();
  return res.status;
}

beforeAll(async () => {
  stack = await startStack(ACTION_PLAN);
  url = `http://127.0.0.1:${stack.ports.routerHttp}`;
  for (const p of PROVIDERS) await faults(p, NORMAL);
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

describe('a provider at 10× its normal first-token time, on the defaults', () => {
  it('gets at most 5 % of the traffic within 30 s, and every request is answered', async () => {
    const statuses: number[] = [];
    let stop = false;
    const caller = async () => {
      while (!stop) statuses.push(await call());
    };
    const load = Promise.all(Array.from({ length: CALLERS }, caller));
    // A crawl after a spell of healthy traffic: every provider's times are known.
    while (statuses.length < 200) await sleep(100);
    await faults('openai', CRAWL);
    await sleep(30_000);
    const at30 = await chatCalls();
    await sleep(15_000);
    const at45 = await chatCalls();
    stop = true;
    await load;
    for (const p of PROVIDERS) await faults(p, {});

    const delta = Object.fromEntries(PROVIDERS.map((p) => [p, at45[p]! - at30[p]!]));
    const total = Object.values(delta).reduce((s, n) => s + n, 0);
    const share = delta['openai']! / total;
    console.log(`crawl: 30–45 s after the slowdown ${total} calls, ${JSON.stringify(delta)}, openai's share ${(share * 100).toFixed(1)} %`);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(200); // enough calls for a share of 5 % to mean something
    expect(share).toBeLessThanOrEqual(0.05);
  }, 90_000);
});

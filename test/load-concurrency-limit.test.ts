import { ProviderAgentAdminService } from '@ultra/contracts/provider-agent';
import { createServiceClient } from '@ultra/runtime';
import { startStack, type Stack, byStatus, closedLoop } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue #22's second bound, with the defaults: a provider that answers 429 (Retry-After
 * 1 s) to any call beyond N in flight. Ultra learns the limit instead of taking the
 * provider out: from 5 s on at most 5 % of the calls it sends get a 429, the provider
 * serves at least 80 % of its capacity, and every caller (well within its deadline) is
 * queued and answered, none refused.
 */
const N = 16;
const LATENCY_MS = 500;
const CALLERS = 64;
const LEARN_MS = 5_000;
const MEASURE_MS = 7_000;

let stack: Stack;
let router: string;

beforeAll(async () => {
  stack = await startStack({ providers: 'primary: [openai]', healthCheck: '{ interval: 30s, timeout: 10s, threshold: 3 }' });
  router = `http://127.0.0.1:${stack.ports.routerHttp}`;
  // Warm the code paths first (8 callers, well under the provider's limit), so the clock starts on a running stack.
  await closedLoop({ url: router, callers: 8, rounds: 4, label: 'warm' });
  await fetch(`${stack.simUrl}/_sim/providers/openai/faults`, { method: 'PUT', body: JSON.stringify({ latencyMs: LATENCY_MS, maxConcurrent: N }) });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

const simCounts = async () => {
  const s = (await (await fetch(`${stack.simUrl}/_sim/stats`)).json()) as { providers: Record<string, { requests: number; probes: number; faults: number }> };
  const p = s.providers['openai'] ?? { requests: 0, probes: 0, faults: 0 };
  return { sent: p.requests - p.probes, refused: p.faults };
};

describe(`a provider that answers 429 beyond ${N} calls in flight`, () => {
  let directRate = 0;
  it('serves N callers directly at about N / latency answers a second (its capacity on this machine)', async () => {
    const started = Date.now();
    const direct = await closedLoop({ url: `${stack.simUrl}/openai`, callers: N, until: started + 3_000, label: 'direct' });
    directRate = direct.filter((r) => r.status === 200).length / ((Date.now() - started) / 1000);
    console.info(`directly, ${N} callers: ${directRate.toFixed(1)} answers/s (ideal ${N / (LATENCY_MS / 1000)})`);
    expect(byStatus(direct)).toEqual({ '200': direct.length });
  });

  it('is sent few 429s after the first seconds, serves near its capacity, and every caller is answered', async () => {
    const agent = createServiceClient(ProviderAgentAdminService, { host: '127.0.0.1', port: stack.ports.agent });
    const limits: number[] = [];
    const watch = setInterval(() => void agent.getProviders({}).then((r) => limits.push(r.providers[0]?.concurrencyLimit ?? 0)), 1_000);
    const started = Date.now();
    const load = closedLoop({ url: router, callers: CALLERS, until: started + LEARN_MS + MEASURE_MS, label: 'limited' });
    await new Promise((r) => setTimeout(r, LEARN_MS));
    const from = await simCounts();
    const fromAt = Date.now();
    const results = await load;
    clearInterval(watch);
    const to = await simCounts();
    const seconds = (Date.now() - fromAt) / 1000;
    const sent = to.sent - from.sent;
    const limited = to.refused - from.refused;
    const served = sent - limited;
    const capacity = directRate * seconds;
    console.info(
      `from ${LEARN_MS / 1000} s on: ${sent} calls sent, ${limited} got a 429 (${((100 * limited) / Math.max(1, sent)).toFixed(1)} %), ${served} served = ${((100 * served) / capacity).toFixed(0)} % of capacity; callers: ${JSON.stringify(byStatus(results))}; the agent's limit every second: ${limits.join(' ')}`,
    );
    expect(limited / sent).toBeLessThanOrEqual(0.05);
    expect(served / capacity).toBeGreaterThanOrEqual(0.8);
    expect(byStatus(results)).toEqual({ '200': results.length });
  }, 60_000);
});

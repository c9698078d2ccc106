import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Mode, Role } from '@ultra/contracts/chat';
import { HealthService } from '@ultra/contracts/health';
import { BreakerState, ProviderAgentAdminService, ProviderAgentService } from '@ultra/contracts/provider-agent';
import { startStack, type Stack, pollUntil } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue #15, item 6: with the config, once every provider answers its probes
// again the mode is NORMAL within cooldown + cooldown_ramp + three probe intervals, even
// after an outage long enough for the breakers' open time to have grown.

const PROVIDERS = { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-latest', google: 'gemini-2.0-flash', cohere: 'command-r' };
const COOLDOWN_MS = 15_000;
const RAMP_MS = 4_000;
const PROBE_INTERVAL_MS = 1_000;
let stack: Stack;


const fault = (p: string, on: boolean) =>
  fetch(`${stack.simUrl}/_sim/providers/${p}/faults`, on ? { method: 'PUT', body: JSON.stringify({ errorRate: 1, errorStatus: 500 }) } : { method: 'DELETE' });

beforeAll(async () => {
  stack = await startStack({
    healthCheck: `{ interval: ${PROBE_INTERVAL_MS / 1000}s, timeout: 500ms, threshold: 2 }`,
    failover: `{ strategy: round-robin, sticky_sessions: true, cooldown: ${COOLDOWN_MS / 1000}s, cooldown_ramp: ${RAMP_MS / 1000}s }`,
  });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

describe('recovery after a long outage, end to end', () => {
  it('is NORMAL again within cooldown + cooldown_ramp + three probe intervals of the providers answering again', async () => {
    const health = createClient(HealthService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${stack.ports.health}` }));
    const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${stack.ports.agent}` });
    const agent = createClient(ProviderAgentService, transport);
    const admin = createClient(ProviderAgentAdminService, transport);
    const mode = async () => (await health.getStatus({})).status?.mode;
    await pollUntil('NORMAL', mode, (m) => m === Mode.NORMAL, 20_000);

    for (const p of Object.keys(PROVIDERS)) await fault(p, true);
    // Calls keep coming during the outage (here straight to the agent: in OUTAGE the router
    // serves the cache only), so each breaker trips again at every half-open: 5 s, 10 s, 20 s.
    const traffic = new AbortController();
    const calls = Object.entries(PROVIDERS).map(async ([provider, model]) => {
      while (!traffic.signal.aborted) {
        await agent
          .invoke({ provider, model, request: { messages: [{ role: Role.USER, content: 'during the outage' }] } }, { signal: traffic.signal, timeoutMs: 5_000 })
          .catch(() => undefined);
        await new Promise((r) => setTimeout(r, 250));
      }
    });
    // Open for more than 10 s: the third trip at least, the open time has grown.
    await pollUntil(
      'every breaker open for its third time',
      async () => (await admin.getProviders({})).providers,
      (ps) => ps.length === 4 && ps.every((p) => p.breaker === BreakerState.OPEN && p.retryAfterMs > 12_000),
      40_000,
    );
    traffic.abort();
    await Promise.all(calls);

    // How long the breakers would still stay open by their open time alone.
    const stillOpenMs = Math.min(...(await admin.getProviders({})).providers.map((p) => p.retryAfterMs));
    for (const p of Object.keys(PROVIDERS)) await fault(p, false);
    const recovered = Date.now();
    await pollUntil('NORMAL again', mode, (m) => m === Mode.NORMAL, COOLDOWN_MS + RAMP_MS + 3 * PROBE_INTERVAL_MS);
    const tookMs = Date.now() - recovered;
    expect(tookMs).toBeLessThanOrEqual(COOLDOWN_MS + RAMP_MS + 3 * PROBE_INTERVAL_MS);
    // The breakers closed on the health probes, before their grown open time was out. (The
    // mode may be NORMAL one probe before the last breaker is: half-open counts as serving.)
    expect(tookMs).toBeLessThan(stillOpenMs);
    const providers = await pollUntil(
      'every breaker closed',
      async () => (await admin.getProviders({})).providers,
      (ps) => ps.every((p) => p.breaker === BreakerState.CLOSED),
      2 * PROBE_INTERVAL_MS,
    );
    expect(Date.now() - recovered).toBeLessThan(stillOpenMs);
    expect(providers.map((p) => [p.name, p.breaker, p.healthy])).toEqual(Object.keys(PROVIDERS).map((name) => [name, BreakerState.CLOSED, true]));
  }, 90_000);
});

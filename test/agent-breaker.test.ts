import { create } from '@bufbuild/protobuf';
import { ConnectError } from '@connectrpc/connect';
import { ChatRequestSchema, Outcome, Role } from '@ultra/contracts/chat';
import { BreakerState } from '@ultra/contracts/provider-agent';
import { attemptsOf } from '@ultra/runtime';
import { waitFor } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentStack, type AgentStack } from '../libs/testkit/src/agent-stack.ts';

const OPEN_MS = 1_000;
const PROBE_INTERVAL_MS = 200;
const request = create(ChatRequestSchema, { messages: [{ role: Role.USER, content: 'are you there?' }] });

let stack: AgentStack;

beforeAll(async () => {
  stack = await startAgentStack({
    healthCheck: `{ interval: ${PROBE_INTERVAL_MS}ms, timeout: 500ms, threshold: 2 }`,
    extraConfig: `breaker: { open_base: ${OPEN_MS}ms, open_multiplier: 1 }\nretry: { base: 10ms, cap: 50ms }\n`,
  });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

/** Invokes `provider` back to back from `workers` callers until stopped; counts what came back. */
function traffic(provider: string, workers = 2) {
  const seen = { ok: 0, unavailable: 0, failed: 0, rejectedWithRetryAfter: 0 };
  let running = true;
  const worker = async () => {
    while (running) {
      try {
        await stack.client.invoke({ provider, model: 'gpt-4o-mini', request }, { timeoutMs: 5_000 });
        seen.ok++;
      } catch (e) {
        const last = attemptsOf(ConnectError.from(e)).at(-1);
        if (last?.outcome === Outcome.UNAVAILABLE) {
          seen.unavailable++;
          if (last.retryAfterMs > 0) seen.rejectedWithRetryAfter++;
        } else seen.failed++;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const done = Promise.all(Array.from({ length: workers }, worker));
  return {
    seen,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

const breakerOf = async (provider: string) => (await stack.provider(provider)).breaker;

describe('provider-agent against a simulator that fails 100 % (separate processes)', () => {
  it('once the breaker opens only probes reach the provider; once it is back the breaker closes within open time + probe interval', async () => {
    await waitFor(async () => (await stack.provider('openai')).healthy, { timeoutMs: 10_000, what: 'openai healthy' });
    await stack.setFaults('openai', { errorRate: 1, errorStatus: 500 });
    const load = traffic('openai');
    try {
      await waitFor(async () => (await breakerOf('openai')) === BreakerState.OPEN, { timeoutMs: 10_000, intervalMs: 10, what: 'the breaker to open' });
      const atOpen = await stack.simStats('openai');
      const offeredAtOpen = { ...load.seen };

      // Watch three open periods under steady traffic.
      const windowMs = 3 * OPEN_MS;
      const start = performance.now();
      await waitFor(() => performance.now() - start >= windowMs, { timeoutMs: windowMs + 1_000, intervalMs: 50 });
      const after = await stack.simStats('openai');
      const offered = load.seen.ok + load.seen.unavailable + load.seen.failed - (offeredAtOpen.ok + offeredAtOpen.unavailable + offeredAtOpen.failed);
      const reached = after.calls - atOpen.calls;
      const probes = after.probes - atOpen.probes;
      console.info(`while open for ${windowMs} ms: ${offered} requests offered, ${reached} reached the dead provider (half-open trials), ${probes} health probes`);
      expect(offered).toBeGreaterThan(50);
      // At most the half-open probe calls of each open period (2 callers here), never the traffic.
      expect(reached).toBeLessThanOrEqual(2 * (windowMs / OPEN_MS + 1));
      expect(probes).toBeGreaterThanOrEqual(windowMs / PROBE_INTERVAL_MS / 2);
      expect(load.seen.rejectedWithRetryAfter).toBeGreaterThan(0);
      expect((await stack.provider('openai')).healthy).toBe(false);

      await stack.clearFaults('openai');
      const cleared = performance.now();
      const tookMs = await waitFor(async () => (await breakerOf('openai')) === BreakerState.CLOSED, {
        timeoutMs: 10_000,
        intervalMs: 10,
        what: 'the breaker to close',
      });
      console.info(`breaker closed ${Math.round(performance.now() - cleared)} ms after the fault was cleared (open ${OPEN_MS} ms, probe interval ${PROBE_INTERVAL_MS} ms)`);
      expect(tookMs).toBeLessThanOrEqual(OPEN_MS + PROBE_INTERVAL_MS + 800); // + tolerance for a loaded machine
      const okBefore = load.seen.ok;
      await waitFor(() => load.seen.ok > okBefore + 5, { timeoutMs: 5_000, what: 'answers again' });
    } finally {
      await load.stop();
    }
    await waitFor(async () => (await stack.provider('openai')).healthy, { timeoutMs: 5_000, what: 'openai healthy again' });
  }, 60_000);
});

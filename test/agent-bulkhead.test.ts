import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { ChatRequestSchema, Outcome, Role } from '@ultra/contracts/chat';
import { attemptsOf } from '@ultra/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentStack, type AgentStack } from '../libs/testkit/src/agent-stack.ts';

const LIMIT = 4;
const QUEUE = 2;
const LATENCY_MS = 400;
const request = create(ChatRequestSchema, { messages: [{ role: Role.USER, content: 'slow one' }] });

let stack: AgentStack;

beforeAll(async () => {
  stack = await startAgentStack({
    // A small heap: V8 then collects instead of growing its headroom, so RSS shows what is
    // really kept (a leak would climb to the cap and crash the agent).
    env: { NODE_OPTIONS: '--max-old-space-size=64 --max-semi-space-size=2' },
    providers: 'primary: [openai]',
    healthCheck: '{ interval: 1s, timeout: 2s, threshold: 2 }',
    extraConfig: `bulkhead: { adaptive: false, limit: ${LIMIT}, queue: ${QUEUE} }\n`,
  });
  await stack.setFaults('openai', { latencyMs: LATENCY_MS });
  await stack.client.invoke({ provider: 'openai', model: 'gpt-4o-mini', request }, { timeoutMs: 10_000 }); // connection and code warm
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

/** `count` concurrent Invokes; each one's outcome and how long it took. */
async function burst(count: number) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const started = performance.now();
      try {
        await stack.client.invoke({ provider: 'openai', model: 'gpt-4o-mini', request }, { timeoutMs: 10_000 });
        return { served: true, ms: performance.now() - started, code: undefined, detail: '' };
      } catch (e) {
        const err = ConnectError.from(e);
        const attempt = attemptsOf(err)[0];
        return { served: false, ms: performance.now() - started, code: err.code, outcome: attempt?.outcome, detail: attempt?.detail ?? err.rawMessage };
      }
    }),
  );
}

describe('the bulkhead, agent and simulator as separate processes', () => {
  it('limit N + queue Q: of N+Q+M concurrent calls to a slow provider N+Q are served, M turned away at once', async () => {
    const M = 10;
    const results = await burst(LIMIT + QUEUE + M);
    const served = results.filter((r) => r.served);
    const rejected = results.filter((r) => !r.served);
    expect(served).toHaveLength(LIMIT + QUEUE);
    expect(rejected).toHaveLength(M);
    for (const r of rejected) {
      expect(r).toMatchObject({ code: Code.Unavailable, outcome: Outcome.UNAVAILABLE });
      expect(r.detail).toBe(`bulkhead full: all ${LIMIT} slots busy and ${QUEUE} calls already queued (limit ${LIMIT}, queue ${QUEUE})`);
    }
    // turned away at once: every refusal came back before the fastest served call (≥ one latency)
    expect(Math.max(...rejected.map((r) => r.ms))).toBeLessThan(Math.min(...served.map((r) => r.ms)));
    // the queued ones waited for a slot: about two latencies
    expect(Math.max(...served.map((r) => r.ms))).toBeGreaterThanOrEqual(2 * LATENCY_MS - 50);
    const rejectedMs = rejected.map((r) => r.ms).sort((a, b) => a - b);
    console.info(
      `served ${served.length} in ${Math.round(Math.min(...served.map((r) => r.ms)))}–${Math.round(Math.max(...served.map((r) => r.ms)))} ms, turned away ${rejected.length} in ${Math.round(rejectedMs[0]!)}–${Math.round(rejectedMs.at(-1)!)} ms`,
    );
    expect((await stack.provider('openai')).inFlight).toBe(0);
  });

  it('keeps the agent’s memory flat over repeated rounds of overload', async () => {
    const M = 300;
    const rssKb: number[] = [];
    for (let round = 0; round < 12; round++) {
      const results = await burst(LIMIT + QUEUE + M);
      expect(results.filter((r) => r.served)).toHaveLength(LIMIT + QUEUE);
      rssKb.push(stack.agentRssKb());
    }
    const warm = Math.max(...rssKb.slice(1, 4));
    const late = Math.max(...rssKb.slice(-3));
    console.info(`agent RSS over 12 rounds of ${LIMIT + QUEUE + M} calls (MiB): ${rssKb.map((kb) => Math.round(kb / 1024)).join(', ')}`);
    expect(late - warm).toBeLessThan(16 * 1024);
    expect(stack.agent.proc.exitCode).toBeNull();
  }, 60_000);
});

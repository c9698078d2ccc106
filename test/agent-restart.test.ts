import { create } from '@bufbuild/protobuf';
import { ConnectError } from '@connectrpc/connect';
import { ChatRequestSchema, Outcome, Role } from '@ultra/contracts/chat';
import { BreakerState, ForceMode } from '@ultra/contracts/provider-agent';
import { attemptsOf } from '@ultra/runtime';
import { startRedis, waitFor, type RedisServer } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentStack, type AgentStack } from '../libs/testkit/src/agent-stack.ts';

const request = create(ChatRequestSchema, { messages: [{ role: Role.USER, content: 'anyone?' }] });

let redis: RedisServer;
let stack: AgentStack;

beforeAll(async () => {
  redis = await startRedis();
  stack = await startAgentStack({
    env: { REDIS_URL: redis.url },
    // The default probe interval: probes every 200 ms against a provider failing every call
    // would mark it unhealthy mid-test and rescue a call that should count as a server error.
    healthCheck: '{ interval: 30s, timeout: 5s, threshold: 3 }',
    extraConfig: 'breaker: { open_base: 60s }\nretry: { max_attempts: 1 }\n',
  });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
});

const invoke = (provider: string) =>
  stack.client.invoke({ provider, model: 'm', request }, { timeoutMs: 5_000 }).then(
    () => Outcome.OK,
    (e: unknown) => attemptsOf(ConnectError.from(e)).at(-1)?.outcome,
  );

describe('breaker state kept in Redis across an agent restart (separate processes, real redis-server)', () => {
  it('a restarted agent comes back with the breaker open until the same time, and with operator overrides', async () => {
    await stack.setFaults('openai', { errorRate: 1, errorStatus: 500 });
    for (let i = 0; i < 5; i++) expect(await invoke('openai')).toBe(Outcome.SERVER_ERROR);
    const before = await stack.provider('openai');
    expect(before.breaker).toBe(BreakerState.OPEN);
    await stack.admin.forceBreaker({ provider: 'anthropic', mode: ForceMode.OPEN });
    const openUntil = Date.now() + before.retryAfterMs;

    await stack.restartAgent();
    const calls = (await stack.simStats('openai')).calls;
    const after = await stack.provider('openai');
    expect(after.breaker).toBe(BreakerState.OPEN);
    // the same open period: it ends when it would have, give or take the restart's own time
    expect(Math.abs(Date.now() + after.retryAfterMs - openUntil)).toBeLessThan(2_000);
    expect((await stack.provider('anthropic')).breaker).toBe(BreakerState.FORCED_OPEN);

    // and it keeps away from the dead provider: calls are turned away without reaching it
    expect(await invoke('openai')).toBe(Outcome.UNAVAILABLE);
    expect(await invoke('anthropic')).toBe(Outcome.UNAVAILABLE);
    expect((await stack.simStats('openai')).calls).toBe(calls);

    // handing back control is persisted too
    await stack.admin.forceBreaker({ provider: 'anthropic', mode: ForceMode.AUTO });
    await stack.restartAgent();
    expect((await stack.provider('anthropic')).breaker).toBe(BreakerState.CLOSED);
    await waitFor(async () => (await invoke('anthropic')) === Outcome.OK, { timeoutMs: 5_000, what: 'anthropic answering' });
  }, 60_000);
});

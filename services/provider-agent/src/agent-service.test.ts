import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { Outcome } from '@ultra/contracts/chat';
import { BreakerState, ForceMode, ProviderAgentAdminService, ProviderAgentService } from '@ultra/contracts/provider-agent';
import { attemptsOf } from '@ultra/runtime';
import { describe, expect, it } from 'vitest';
import { createAdminService } from './admin-service.ts';
import { createAgentService } from './agent-service.ts';
import { createProviderWatch } from './provider-watch.ts';
import { actorUnderTest, request, testResilience } from './test-helpers.ts';

function agentUnderTest() {
  const shutdown = new AbortController();
  let notify = () => {};
  const { clock, provider, actor } = actorUnderTest({ resilience: testResilience({ retry: { maxAttempts: 2 } }), onChange: () => notify() });
  const providers = new Map([[actor.name, actor]]);
  const watch = createProviderWatch({ snapshot: () => [actor.view()], clock, shutdown: shutdown.signal });
  notify = watch.notify;
  const forced: string[] = [];
  const transport = createRouterTransport((router) => {
    router.service(ProviderAgentService, createAgentService({ providers, watch, clock }));
    router.service(ProviderAgentAdminService, createAdminService({ providers, onForce: (p, m) => forced.push(`${p}:${m}`) }));
  });
  return {
    clock,
    provider,
    agent: createClient(ProviderAgentService, transport),
    admin: createClient(ProviderAgentAdminService, transport),
    forced,
    stop: () => shutdown.abort(),
  };
}

const rpcError = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error('expected the call to fail');
};

describe('ProviderAgentService and ProviderAgentAdminService in memory', () => {
  it('Invoke answers with every attempt, retries included', async () => {
    const t = agentUnderTest();
    t.provider.script({ fail: Outcome.SERVER_ERROR, retryAfterMs: 0 });
    const call = t.agent.invoke({ provider: 'alpha', model: 'm1', request });
    await new Promise((r) => setImmediate(r));
    t.clock.advance(100);
    const { answer } = await call;
    expect(answer?.attempts.map((a) => [a.provider, a.outcome])).toEqual([
      ['alpha', Outcome.SERVER_ERROR],
      ['alpha', Outcome.OK],
    ]);
  });

  it('an open breaker answers UNAVAILABLE at once, with retry_after_ms in the attempt', async () => {
    const t = agentUnderTest();
    await t.admin.forceBreaker({ provider: 'alpha', mode: ForceMode.OPEN });
    const err = await rpcError(t.agent.invoke({ provider: 'alpha', model: 'm1', request }));
    expect(err.code).toBe(Code.Unavailable);
    expect(attemptsOf(err)).toEqual([expect.objectContaining({ provider: 'alpha', outcome: Outcome.UNAVAILABLE, retryAfterMs: 120_000 })]);
    expect(t.provider.counts.calls).toBe(0);
    expect(t.forced).toEqual(['alpha:open']);
  });

  it('a rate limit that outlasts the deadline is not waited out: RESOURCE_EXHAUSTED with the Retry-After', async () => {
    const t = agentUnderTest();
    t.provider.script({ fail: Outcome.RATE_LIMITED, retryAfterMs: 3_000 });
    const err = await rpcError(t.agent.invoke({ provider: 'alpha', model: 'm1', request }, { timeoutMs: 2_000 }));
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(attemptsOf(err)).toEqual([expect.objectContaining({ outcome: Outcome.RATE_LIMITED, retryAfterMs: 3_000 })]);
    expect(err.rawMessage).toMatch(/deadline is too close/);
  });

  it('StreamInvoke passes text through, then the answer', async () => {
    const t = agentUnderTest();
    t.provider.script({ chunks: ['Hel', 'lo'] });
    const events = [];
    for await (const e of t.agent.streamInvoke({ provider: 'alpha', model: 'm1', request })) events.push(e.event);
    expect(events.map((e) => e.case)).toEqual(['delta', 'delta', 'done']);
    expect(events[2]?.case === 'done' && events[2].value.text).toBe('Hello');
  });

  it('ForceBreaker changes the state GetProviders and WatchProviders report; bad requests are named', async () => {
    const t = agentUnderTest();
    const watch = t.agent.watchProviders({})[Symbol.asyncIterator]();
    expect((await watch.next()).value?.providers[0]).toMatchObject({ name: 'alpha', breaker: BreakerState.CLOSED, healthy: true });
    const { provider } = await t.admin.forceBreaker({ provider: 'alpha', mode: ForceMode.METRICS_ONLY });
    expect(provider?.breaker).toBe(BreakerState.METRICS_ONLY);
    expect((await watch.next()).value?.providers[0]?.breaker).toBe(BreakerState.METRICS_ONLY);
    expect((await t.admin.getProviders({})).providers.map((p) => [p.name, p.breaker])).toEqual([['alpha', BreakerState.METRICS_ONLY]]);

    const unknown = await rpcError(t.admin.forceBreaker({ provider: 'nope', mode: ForceMode.OPEN }));
    expect([unknown.code, unknown.rawMessage]).toEqual([Code.NotFound, 'provider "nope" is not configured here (known: alpha)']);
    const unset = await rpcError(t.admin.forceBreaker({ provider: 'alpha' }));
    expect([unset.code, unset.rawMessage]).toEqual([Code.InvalidArgument, 'mode must be AUTO, OPEN, CLOSED, DISABLED or METRICS_ONLY, got UNSPECIFIED']);
    t.stop();
    await watch.return?.();
  });
});

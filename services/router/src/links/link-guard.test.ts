import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, createRouterTransport, type Interceptor } from '@connectrpc/connect';
import { AttemptSchema, Outcome } from '@ultra/contracts/chat';
import { InvokeResponseSchema, ProviderAgentService } from '@ultra/contracts/provider-agent';
import { ManualClock, type Clock } from '@ultra/core';
import { createConsecutiveBreaker, type ConsecutiveBreaker } from '@ultra/resilience';
import { attemptsError } from '@ultra/runtime';
import { describe, expect, it } from 'vitest';
import { createLinkGuard, type LinkRetryOptions } from './link-guard.ts';
import { isLinkDown } from './link-errors.ts';

/** An in-memory agent whose next answers are scripted: 'ok', 'cut' (the link dropped), or 'refused' (an answer with attempts). */
function scriptedAgent(script: ('ok' | 'cut' | 'refused')[], fallback: 'ok' | 'cut' = 'ok', interceptors: Interceptor[] = []) {
  let calls = 0;
  const client = createClient(
    ProviderAgentService,
    createRouterTransport((r) =>
      r.service(ProviderAgentService, {
        invoke(req) {
          calls++;
          const next = script.shift() ?? fallback;
          if (next === 'cut') throw new ConnectError('http/2 stream closed with error code CANCEL (0x8)', Code.Canceled);
          if (next === 'refused') throw attemptsError('openai: rate limited', Outcome.RATE_LIMITED, [create(AttemptSchema, { provider: req.provider, outcome: Outcome.RATE_LIMITED })]);
          return create(InvokeResponseSchema, { answer: { text: 'hi', provider: req.provider } });
        },
        async *streamInvoke() {},
        async *watchProviders() {},
      }),
      { transport: { interceptors } },
    ),
  );
  return { client, calls: () => calls };
}

/** Lets pending promise callbacks run, then moves the clock on, until `done` settles. */
async function drive<T>(clock: ManualClock, p: Promise<T>, stepMs = 10): Promise<T> {
  let settled = false;
  const watched = p.finally(() => (settled = true));
  watched.catch(() => undefined);
  for (let i = 0; i < 1_000 && !settled; i++) {
    await new Promise((r) => setImmediate(r));
    if (!settled) clock.advance(stepMs);
  }
  return watched;
}

const request = { provider: 'openai', model: 'gpt-4o-mini' };

/** The agent's client with the router's agent link guard on it (as links.ts makes it). */
function guarded(script: ('ok' | 'cut' | 'refused')[], breaker: ConsecutiveBreaker, clock: Clock, retry: Partial<LinkRetryOptions> = {}, fallback: 'ok' | 'cut' = 'ok') {
  const guard = createLinkGuard({ service: 'provider-agent', breaker, clock, methods: ['invoke', 'streamInvoke'], countDeadline: false, retry });
  return scriptedAgent(script, fallback, [guard]);
}

describe('the agent link guard (a client interceptor)', () => {
  it('tries a call cut by a blip again on a new connection, so the caller gets the answer', async () => {
    const clock = new ManualClock(1_000);
    const agent = guarded(['cut', 'cut', 'ok'], createConsecutiveBreaker({}, clock), clock);
    const res = await drive(clock, agent.client.invoke(request, { timeoutMs: 5_000 }));
    expect(res.answer?.text).toBe('hi');
    expect(agent.calls()).toBe(3);
    expect(clock.now() - 1_000).toBeGreaterThanOrEqual(60); // waited 20 then 40 ms
  });

  it('reports a cut that outlasts the retry window as UNAVAILABLE, never as the caller cancelling', async () => {
    const clock = new ManualClock();
    const agent = guarded([], createConsecutiveBreaker({}, clock), clock, { windowMs: 100 }, 'cut');
    const err = await drive(clock, agent.client.invoke(request, { timeoutMs: 5_000 })).catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unavailable);
    expect((err as ConnectError).rawMessage).toContain('the link to the provider-agent broke');
  });

  it('with the agent gone, fails fast: no retries once a call failed, then no dialling at all while the breaker is open; one trial finds it back', async () => {
    const clock = new ManualClock();
    const breaker = createConsecutiveBreaker({ failures: 3, openMs: 1_000 }, clock);
    const agent = guarded([], breaker, clock, {}, 'cut');
    await drive(clock, agent.client.invoke(request, { timeoutMs: 5_000 })).catch(() => undefined);
    const afterFirst = agent.calls();
    expect(afterFirst).toBeGreaterThan(1); // the first failure is retried (it may be a blip)
    const started = clock.now();
    await agent.client.invoke(request, { timeoutMs: 5_000 }).catch(() => undefined);
    await agent.client.invoke(request, { timeoutMs: 5_000 }).catch(() => undefined);
    expect(agent.calls()).toBe(afterFirst + 2); // one dial each, no retries
    expect(clock.now()).toBe(started); // and no waiting
    expect(breaker.state).toBe('open');
    const refused = await agent.client.invoke(request, { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(isLinkDown(refused)).toBe(true);
    expect(agent.calls()).toBe(afterFirst + 2);

    // The agent is back: after the open period one trial call reaches it and closes the breaker.
    const back = guarded([], breaker, clock);
    clock.advance(1_000);
    const res = await back.client.invoke(request, { timeoutMs: 5_000 });
    expect(res.answer?.text).toBe('hi');
    expect(breaker.state).toBe('closed');
  });

  it('passes the agent\'s own errors through untouched: they prove the link works', async () => {
    const clock = new ManualClock();
    const breaker = createConsecutiveBreaker({ failures: 1 }, clock);
    const agent = guarded(['refused'], breaker, clock);
    const err = ConnectError.from(await agent.client.invoke(request, { timeoutMs: 5_000 }).catch((e: unknown) => e));
    expect(err.rawMessage).toBe('openai: rate limited');
    expect(breaker.state).toBe('closed');
    expect(breaker.suspect).toBe(false);
  });
});

import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { AttemptSchema, Outcome } from '@ultra/contracts/chat';
import { InvokeResponseSchema, ProviderAgentService } from '@ultra/contracts/provider-agent';
import { ManualClock } from '@ultra/core';
import { attemptsError } from '@ultra/runtime';
import { describe, expect, it } from 'vitest';
import { guardAgent } from './guarded-agent.ts';
import { createLinkBreaker } from './link-breaker.ts';
import { isLinkDown } from './link-errors.ts';

/** An in-memory agent whose next answers are scripted: 'ok', 'cut' (the link dropped), or 'refused' (an answer with attempts). */
function scriptedAgent(script: ('ok' | 'cut' | 'refused')[], fallback: 'ok' | 'cut' = 'ok') {
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

describe('guarded agent client', () => {
  it('tries a call cut by a blip again on a new connection, so the caller gets the answer', async () => {
    const clock = new ManualClock(1_000);
    const agent = scriptedAgent(['cut', 'cut', 'ok']);
    const guarded = guardAgent(agent.client, createLinkBreaker({}, clock), clock);
    const res = await drive(clock, guarded.invoke(request, { timeoutMs: 5_000 }));
    expect(res.answer?.text).toBe('hi');
    expect(agent.calls()).toBe(3);
    expect(clock.now() - 1_000).toBeGreaterThanOrEqual(60); // waited 20 then 40 ms
  });

  it('reports a cut that outlasts the retry window as UNAVAILABLE, never as the caller cancelling', async () => {
    const clock = new ManualClock();
    const agent = scriptedAgent([], 'cut');
    const guarded = guardAgent(agent.client, createLinkBreaker({}, clock), clock, { retryWindowMs: 100 });
    const err = await drive(clock, guarded.invoke(request, { timeoutMs: 5_000 })).catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unavailable);
    expect((err as ConnectError).rawMessage).toContain('the link to the provider-agent broke');
  });

  it('with the agent gone, fails fast: no retries once a call failed, then no dialling at all while the breaker is open; one trial finds it back', async () => {
    const clock = new ManualClock();
    const agent = scriptedAgent([], 'cut');
    const breaker = createLinkBreaker({ failures: 3, openMs: 1_000 }, clock);
    const guarded = guardAgent(agent.client, breaker, clock);
    await drive(clock, guarded.invoke(request, { timeoutMs: 5_000 })).catch(() => undefined);
    const afterFirst = agent.calls();
    expect(afterFirst).toBeGreaterThan(1); // the first failure is retried (it may be a blip)
    const started = clock.now();
    await guarded.invoke(request, { timeoutMs: 5_000 }).catch(() => undefined);
    await guarded.invoke(request, { timeoutMs: 5_000 }).catch(() => undefined);
    expect(agent.calls()).toBe(afterFirst + 2); // one dial each, no retries
    expect(clock.now()).toBe(started); // and no waiting
    expect(breaker.state).toBe('open');
    const refused = await guarded.invoke(request, { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(isLinkDown(refused)).toBe(true);
    expect(agent.calls()).toBe(afterFirst + 2);

    // The agent is back: after the open period one trial call reaches it and closes the breaker.
    const back = scriptedAgent([]);
    const guardedBack = guardAgent(back.client, breaker, clock);
    clock.advance(1_000);
    const res = await guardedBack.invoke(request, { timeoutMs: 5_000 });
    expect(res.answer?.text).toBe('hi');
    expect(breaker.state).toBe('closed');
  });

  it('passes the agent\'s own errors through untouched: they prove the link works', async () => {
    const clock = new ManualClock();
    const breaker = createLinkBreaker({ failures: 1 }, clock);
    const guarded = guardAgent(scriptedAgent(['refused']).client, breaker, clock);
    const err = ConnectError.from(await guarded.invoke(request, { timeoutMs: 5_000 }).catch((e: unknown) => e));
    expect(err.rawMessage).toBe('openai: rate limited');
    expect(breaker.state).toBe('closed');
    expect(breaker.suspect).toBe(false);
  });
});

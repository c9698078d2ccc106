import { Outcome } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import { isProviderCallError, type ProviderCallError } from './provider-call-error.ts';
import { actorUnderTest, callInput, flush, settle, testResilience } from './test-helpers.ts';

const failure = async (p: Promise<unknown>): Promise<ProviderCallError> => {
  const r = await settle(p);
  if (r.ok || !isProviderCallError(r.error)) throw new Error(`expected a ProviderCallError, got ${r.ok ? 'an answer' : String(r.error)}`);
  return r.error;
};

describe('same-provider retries in the actor', () => {
  it('wait max(backoff, Retry-After) before the next attempt', async () => {
    const { clock, provider, actor } = actorUnderTest(); // backoff 100 ms, 200 ms (no jitter)
    provider.script({ fail: Outcome.RATE_LIMITED, retryAfterMs: 1_000 }, { fail: Outcome.SERVER_ERROR });
    const call = actor.complete(callInput());
    await flush();
    clock.advance(999);
    await flush();
    expect(provider.counts.calls).toBe(1); // Retry-After, not the 100 ms backoff
    clock.advance(1);
    await flush();
    expect(provider.counts.calls).toBe(2);
    clock.advance(199);
    await flush();
    expect(provider.counts.calls).toBe(2);
    clock.advance(1);
    const { completion, attempts } = await call;
    expect(completion.text).toBe('fine');
    expect(attempts.map((a) => [a.outcome, a.retryAfterMs])).toEqual([
      [Outcome.RATE_LIMITED, 1_000],
      [Outcome.SERVER_ERROR, 0],
      [Outcome.OK, 0],
    ]);
  });

  it('never start an attempt at or past the caller’s deadline', async () => {
    const { clock, provider, actor } = actorUnderTest();
    provider.script({ fail: Outcome.RATE_LIMITED, retryAfterMs: 800 });
    const err = await failure(actor.complete(callInput({ deadlineAt: clock.now() + 500 })));
    expect(provider.counts.calls).toBe(1);
    expect(err.outcome).toBe(Outcome.RATE_LIMITED);
    expect(err.message).toMatch(/caller's deadline is too close/);
    expect(err.attempts).toHaveLength(1);
  });

  it('give up at once on a Retry-After beyond retry_after_max, and on outcomes not worth retrying', async () => {
    const { provider, actor } = actorUnderTest();
    provider.script({ fail: Outcome.RATE_LIMITED, retryAfterMs: 60_000 }, { fail: Outcome.BAD_REQUEST });
    const limited = await failure(actor.complete(callInput()));
    expect(limited.message).toMatch(/Retry-After is longer than retry.retry_after_max/);
    expect(limited.attempts[0]).toMatchObject({ outcome: Outcome.RATE_LIMITED, retryAfterMs: 60_000 });
    const bad = await failure(actor.complete(callInput()));
    expect(bad.outcome).toBe(Outcome.BAD_REQUEST);
    expect(provider.counts.calls).toBe(2);
  });

  it('share the per-request attempt limit the caller passes down', async () => {
    const { provider, actor } = actorUnderTest();
    provider.script({ fail: Outcome.SERVER_ERROR });
    const err = await failure(actor.complete(callInput({ maxAttempts: 1 })));
    expect(err.attempts).toHaveLength(1);
    expect(provider.counts.calls).toBe(1);
  });

  it('return at once, rather than wait, when the retry would wait longer than the caller accepts (it has another provider)', async () => {
    const { clock, provider, actor } = actorUnderTest(); // backoff 100 ms, 200 ms (no jitter)
    provider.script({ fail: Outcome.RATE_LIMITED, retryAfterMs: 2_000 }, { fail: Outcome.SERVER_ERROR }, { fail: Outcome.SERVER_ERROR });
    const started = clock.now();
    const limited = await failure(actor.complete(callInput({ maxRetryWaitMs: 250 })));
    expect(clock.now()).toBe(started); // no time passed: nothing was waited out
    expect(limited.outcome).toBe(Outcome.RATE_LIMITED);
    expect(limited.attempts).toMatchObject([{ outcome: Outcome.RATE_LIMITED, retryAfterMs: 2_000 }]);
    expect(limited.message).toMatch(/longer than the caller accepts/);
    expect(provider.counts.calls).toBe(1);
    // a short backoff (100 ms) is within the limit: the same provider is retried
    const call = failure(actor.complete(callInput({ maxRetryWaitMs: 150 })));
    await flush();
    clock.advance(100);
    await flush();
    expect(provider.counts.calls).toBe(3);
    // the next step (200 ms) is not
    const err = await call;
    expect(err.attempts.map((a) => a.outcome)).toEqual([Outcome.SERVER_ERROR, Outcome.SERVER_ERROR]);
    expect(err.message).toMatch(/longer than the caller accepts/);
  });

  it('bound each attempt by retry.attempt_timeout: a hung call is a TIMEOUT, and retried', async () => {
    const { clock, provider, actor } = actorUnderTest({ resilience: testResilience({ attemptTimeoutMs: 2_000 }) });
    provider.script({ hang: true });
    const call = actor.complete(callInput());
    await flush();
    clock.advance(2_000);
    await flush();
    clock.advance(100);
    const { attempts } = await call;
    expect(attempts.map((a) => a.outcome)).toEqual([Outcome.TIMEOUT, Outcome.OK]);
    expect(attempts[0]?.detail).toBe('no answer within 2000 ms (retry.attempt_timeout)');
  });

  it('stop backing off when the caller goes away', async () => {
    const { provider, actor } = actorUnderTest();
    provider.script({ fail: Outcome.SERVER_ERROR });
    const input = callInput();
    const call = failure(actor.complete(input));
    await flush();
    input.controller.abort();
    const err = await call;
    expect(err.outcome).toBe(Outcome.CANCELLED);
    expect(err.attempts.map((a) => a.outcome)).toEqual([Outcome.SERVER_ERROR, Outcome.CANCELLED]);
    expect(provider.counts.calls).toBe(1);
  });
});

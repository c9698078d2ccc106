import { Outcome } from '@ultra/contracts/chat';
import { describe, expect, it } from 'vitest';
import { isProviderCallError } from './provider-call-error.ts';
import { actorUnderTest, callInput, flush, testResilience } from './test-helpers.ts';

describe('the bulkhead in the actor', () => {
  it('with limit N and queue Q, N+Q of N+Q+M calls to a slow provider are served and M turned away at once', async () => {
    const N = 3;
    const Q = 2;
    const M = 5;
    const resilience = testResilience({ bulkhead: { limit: N, queue: Q } });
    const { clock, provider, actor } = actorUnderTest({ resilience });
    provider.script(...Array.from({ length: N + Q }, () => ({ latencyMs: 1_000 })));

    const outcomes: (string | Outcome)[] = [];
    const settledAt: number[] = [];
    const start = clock.now();
    const calls = Array.from({ length: N + Q + M }, () =>
      actor.complete(callInput()).then(
        () => {
          outcomes.push('served');
          settledAt.push(clock.now() - start);
        },
        (e: unknown) => {
          if (!isProviderCallError(e)) throw e;
          outcomes.push(e.outcome);
          settledAt.push(clock.now() - start);
          expect(e.attempts).toHaveLength(1);
          expect(e.attempts[0]?.detail).toBe(`bulkhead full: all ${N} slots busy and ${Q} calls already queued (limit ${N}, queue ${Q})`);
        },
      ),
    );
    await flush();
    // the M over the limit are already answered, before any time has passed
    expect(outcomes).toEqual(Array.from({ length: M }, () => Outcome.UNAVAILABLE));
    expect(provider.counts.calls).toBe(N);
    expect(actor.view().inFlight).toBe(N + Q);

    clock.advance(1_000);
    await flush();
    expect(outcomes.filter((o) => o === 'served')).toHaveLength(N);
    expect(provider.counts.calls).toBe(N + Q);
    clock.advance(1_000);
    await Promise.all(calls);
    expect(outcomes.filter((o) => o === 'served')).toHaveLength(N + Q);
    expect(settledAt.slice(0, M)).toEqual(Array.from({ length: M }, () => 0));
    // turned away by the bulkhead is not the provider's fault: the breaker saw only successes
    expect(actor.view()).toMatchObject({ breaker: 'closed', errorRatio: 0, inFlight: 0 });
  });

  it('a bulkhead refusal is never retried and gives a half-open probe slot back', async () => {
    const resilience = testResilience({ bulkhead: { limit: 1, queue: 0 }, retry: { maxAttempts: 1 }, breaker: { halfOpenProbes: 2 } });
    const { clock, provider, actor } = actorUnderTest({ resilience });
    actor.restore({ version: 1, state: 'half-open', consecutiveTrips: 1 });
    provider.script({ latencyMs: 1_000 });
    const slow = actor.complete(callInput()); // takes the only slot (and a probe slot)
    await flush();
    const refused = await actor.complete(callInput()).catch((e: unknown) => e);
    expect(isProviderCallError(refused) && refused.outcome).toBe(Outcome.UNAVAILABLE);
    clock.advance(1_000);
    await slow;
    expect(provider.counts.calls).toBe(1);
    // two successful probe calls close it: the refused call did not keep a probe slot
    await actor.complete(callInput());
    expect(actor.view().breaker).toBe('closed');
  });
});

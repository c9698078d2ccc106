import { LeaseOutcome, type CacheService } from '@ultra/contracts/cache';
import type { Client } from '@connectrpc/connect';
import { ManualClock } from '@ultra/core';
import { startRedis, waitFor, type RedisServer } from '@ultra/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bytes, createTestReplica, text, type TestReplica } from './test-replica.ts';

type Cache = Client<typeof CacheService>;

/**
 * What a router does on a miss: take the lease and compute, or wait for the holder's
 * value. `compute` runs once per grant; it may throw (then the lease is released).
 */
async function getOrCompute(client: Cache, key: string, compute: () => Promise<string>): Promise<string> {
  for (;;) {
    const r = await client.lease({ key });
    if (r.outcome === LeaseOutcome.HIT || r.outcome === LeaseOutcome.STALE) return text(r.value);
    if (r.outcome !== LeaseOutcome.GRANTED) throw new Error(`lease outcome ${LeaseOutcome[r.outcome]}`);
    try {
      const value = await compute();
      await client.put({ key, value: bytes(value), leaseToken: r.token });
      return value;
    } catch (e) {
      await client.releaseLease({ key, token: r.token });
      throw e;
    }
  }
}

describe('leases, in one process (no Redis)', () => {
  it('grant one computation for 50 concurrent misses; the others get its value', async () => {
    const clock = new ManualClock(0);
    const { client, store } = createTestReplica(clock);
    let computations = 0;
    const compute = async () => {
      computations++;
      await waitFor(() => store.counters.leaseWaits === 49, { what: '49 waiters' });
      return 'answer';
    };
    const answers = await Promise.all(Array.from({ length: 50 }, () => getOrCompute(client, 'hot', compute)));
    expect(computations).toBe(1);
    expect(new Set(answers)).toEqual(new Set(['answer']));
    expect(store.counters).toMatchObject({ leaseGrants: 1, leaseWaits: 49, leaseTimeouts: 0 });
  });

  it('hands the lease to a waiter when the holder gives it back', async () => {
    const { client } = createTestReplica(new ManualClock(0));
    const first = await client.lease({ key: 'k' });
    expect(first.outcome).toBe(LeaseOutcome.GRANTED);
    const waiting = client.lease({ key: 'k' });
    expect(await client.releaseLease({ key: 'k', token: first.token })).toMatchObject({ released: true });
    const second = await waiting;
    expect(second.outcome).toBe(LeaseOutcome.GRANTED);
    expect(second.token).not.toBe(first.token);
    expect(await client.releaseLease({ key: 'k', token: first.token })).toMatchObject({ released: false });
  });

  it('serves stale at once while someone else refreshes, when the caller allows it', async () => {
    const clock = new ManualClock(0);
    const { client } = createTestReplica(clock);
    await client.put({ key: 'k', value: bytes('old'), ttlMs: 1000n, staleMs: 10_000n });
    clock.advance(1500);
    const holder = await client.lease({ key: 'k', allowStale: true });
    expect(holder.outcome).toBe(LeaseOutcome.GRANTED);
    const other = await client.lease({ key: 'k', allowStale: true });
    expect(other).toMatchObject({ outcome: LeaseOutcome.STALE, stale: true, value: bytes('old'), ageMs: 1500n });
  });

  it('gives up after the wait, on the clock, and takes over a lease that expired', async () => {
    const clock = new ManualClock(0);
    const { client, store } = createTestReplica(clock);
    expect((await client.lease({ key: 'k', leaseMs: 5000n })).outcome).toBe(LeaseOutcome.GRANTED);
    let done = false;
    const short = client.lease({ key: 'k', waitMs: 1000n }).finally(() => (done = true));
    await waitFor(() => store.counters.leaseWaits === 1);
    clock.advance(999);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    clock.advance(1);
    expect(await short).toMatchObject({ outcome: LeaseOutcome.TIMEOUT, waitedMs: 1000n });
    // the holder never comes back: once its 5 s lease runs out a waiter gets it
    const long = client.lease({ key: 'k', waitMs: 60_000n });
    await waitFor(() => store.counters.leaseWaits === 2);
    clock.advance(4000);
    expect(await long).toMatchObject({ outcome: LeaseOutcome.GRANTED, waitedMs: 4000n });
  });

  it('bounds the wait by the caller deadline, answering TIMEOUT just before it', async () => {
    const clock = new ManualClock(0);
    const { client, store } = createTestReplica(clock);
    await client.lease({ key: 'k' });
    const r = client.lease({ key: 'k', waitMs: 60_000n }, { timeoutMs: 3_000 });
    await waitFor(() => store.counters.leaseWaits === 1);
    clock.advance(2_990); // the wait was cut to what the deadline leaves, less a 20 ms margin
    expect((await r).outcome).toBe(LeaseOutcome.TIMEOUT);
  });
});

describe('leases across two replicas sharing Redis', () => {
  let server: RedisServer;
  let replicas: TestReplica[] = [];
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
  });
  afterEach(() => {
    for (const r of replicas) r.close();
    replicas = [];
  });
  async function pair() {
    const a = createTestReplica(clock, { redisUrl: server.url });
    const b = createTestReplica(clock, { redisUrl: server.url });
    replicas.push(a, b);
    await waitFor(() => !a.store.health.degraded && !b.store.health.degraded);
    return [a, b] as const;
  }
  const waits = (rs: readonly TestReplica[]) => rs.reduce((n, r) => n + r.store.counters.leaseWaits, 0);

  it('50 concurrent misses, half on each replica, make exactly one computation', async () => {
    const [a, b] = await pair();
    let computations = 0;
    const compute = async () => {
      computations++;
      await waitFor(() => waits([a, b]) === 49, { what: 'the 49 others waiting' });
      return 'the answer';
    };
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => getOrCompute((i % 2 ? a : b).client, 'hot', compute)));
    expect(computations).toBe(1);
    expect(answers.filter((x) => x === 'the answer')).toHaveLength(50);
    expect(a.store.counters.leaseGrants + b.store.counters.leaseGrants).toBe(1);
    expect(a.store.counters.leaseTimeouts + b.store.counters.leaseTimeouts).toBe(0);
  });

  it('when the holder fails, exactly one waiter takes over and the rest get its value', async () => {
    const [a, b] = await pair();
    let attempts = 0;
    const compute = async () => {
      attempts++;
      if (attempts === 1) {
        await waitFor(() => waits([a, b]) === 19, { what: 'the 19 others waiting' });
        throw new Error('provider failed');
      }
      return 'second try';
    };
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => getOrCompute((i % 2 ? a : b).client, 'flaky', compute)));
    expect(attempts).toBe(2);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === 'second try')).toHaveLength(19);
  });

  it('a lease held in Redis is seen by the other replica, with the stale entry when allowed', async () => {
    const [a, b] = await pair();
    await a.client.put({ key: 's', value: bytes('old'), ttlMs: 1000n, staleMs: 60_000n });
    clock.advance(2000);
    expect((await a.client.lease({ key: 's' })).outcome).toBe(LeaseOutcome.GRANTED);
    expect(await b.client.lease({ key: 's', allowStale: true })).toMatchObject({ outcome: LeaseOutcome.STALE, value: bytes('old') });
  });
});

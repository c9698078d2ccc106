import { ManualClock } from '@ultra/core';
import { createRedisConnection } from '@ultra/runtime/redis';
import { startRedis, type RedisServer } from '@ultra/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleetLeases } from './fleet-lease.ts';
import { createFleetMembers } from './fleet-members.ts';
import { createFleetRole } from './fleet-role.ts';

/** The fleet's leases, heartbeats and roles against a real redis-server, time driven by a ManualClock. */
let server: RedisServer;
let redis: Redis;
beforeAll(async () => {
  server = await startRedis();
  redis = createRedisConnection(server.url, { connectionName: 'fleet-lease-test', maxRetriesPerRequest: 1 });
}, 20_000);
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

const noError = (e: unknown) => {
  throw e;
};

describe('the trial and probe lease', () => {
  it('is held by one agent until it ends by the clock; its holder renews it; release frees it at once', async () => {
    const clock = new ManualClock(1_000_000);
    const a = createFleetLeases({ client: redis, clock, holder: 'a', keyPrefix: 'l1:', onError: noError });
    const b = createFleetLeases({ client: redis, clock, holder: 'b', keyPrefix: 'l1:', onError: noError });
    expect(await a.take('trial:openai', 10_000)).toBe(true);
    expect(await b.take('trial:openai', 10_000)).toBe(false);
    expect(await b.take('trial:anthropic', 10_000)).toBe(true); // one lease per name
    clock.advance(9_999);
    expect(await b.take('trial:openai', 10_000)).toBe(false);
    expect(await a.take('trial:openai', 10_000)).toBe(true); // renewed: 10 s from now
    clock.advance(5_000);
    expect(await b.take('trial:openai', 10_000)).toBe(false);
    clock.advance(5_001);
    expect(await b.take('trial:openai', 10_000)).toBe(true); // a's lease ended; b takes it
    expect(await a.take('trial:openai', 10_000)).toBe(false);
    expect(await b.take('trial:anthropic', 10_000)).toBe(true);
    b.release('trial:openai');
    a.release('trial:anthropic'); // not a's: nothing happens
    expect(await a.take('trial:openai', 10_000)).toBe(true);
    expect(await a.take('trial:anthropic', 10_000)).toBe(false);
  });

  it('is granted here alone, and the failure reported, when Redis cannot answer', async () => {
    const down = createRedisConnection('redis://127.0.0.1:1', { connectionName: 'fleet-lease-down', maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    down.on('error', () => undefined);
    const errors: unknown[] = [];
    const a = createFleetLeases({ client: down, clock: new ManualClock(0), holder: 'a', keyPrefix: 'l2:', onError: (e) => errors.push(e) });
    expect(await a.take('probe:openai', 1_000)).toBe(true);
    expect(errors).toHaveLength(1);
    down.disconnect();
  });
});

describe('the live agents', () => {
  it('count every agent that beat within the TTL by the clock, and drop one that stops', async () => {
    const clock = new ManualClock(5_000_000);
    const seen: number[] = [];
    const member = (id: string) => createFleetMembers({ client: redis, clock, id, key: 'live1', ttlMs: 3_000, onChange: (n) => seen.push(n), onError: noError });
    const a = member('a');
    const b = member('b');
    const c = member('c');
    await a.beat();
    expect(a.live).toBe(1);
    await b.beat();
    await c.beat();
    await a.beat();
    expect(a.live).toBe(3);
    clock.advance(2_000);
    await a.beat();
    await b.beat();
    clock.advance(1_500); // c last beat 3.5 s ago
    await a.beat();
    expect(a.live).toBe(2);
    await b.stop();
    await a.beat();
    expect(a.live).toBe(1);
    expect(seen).toContain(3);
  });
});

describe('a fleet role', () => {
  it('is held by one replica; when its holder dies another takes it within ttl + every; a holder that stops gives it back at once', async () => {
    const clock = new ManualClock(1_000_000);
    const changes: string[] = [];
    const replica = (id: string) =>
      createFleetRole({
        leases: createFleetLeases({ client: redis, clock, holder: id, keyPrefix: 'role1:', onError: noError }),
        clock,
        name: 'gauges',
        onChange: (held) => changes.push(`${id}:${held}`),
      });
    const [a, b, c] = [replica('a'), replica('b'), replica('c')];
    expect(await a.claim()).toBe(true);
    expect(await b.claim()).toBe(false);
    expect(await c.claim()).toBe(false);
    // Every 5 s each claims: the holder renews, the others are refused.
    for (let t = 0; t < 6; t++) {
      clock.advance(5_000);
      expect([await a.claim(), await b.claim(), await c.claim()]).toEqual([true, false, false]);
    }
    // a dies (stops claiming, never releases): its lease ends 15 s after its last renewal.
    clock.advance(14_999);
    expect(await b.claim()).toBe(false);
    clock.advance(2);
    expect(await b.claim()).toBe(true);
    expect(await c.claim()).toBe(false);
    // b stops cleanly: the role is free at once.
    b.stop();
    await redis.ping(); // the release has reached Redis (commands on one connection keep their order)
    expect(b.held).toBe(false);
    expect(await c.claim()).toBe(true);
    expect(changes).toEqual(['a:true', 'b:true', 'c:true']);
  });

  it('is held by no replica while Redis cannot answer when its leases refuse then, by every replica when they grant', async () => {
    const down = createRedisConnection('redis://127.0.0.1:1', { connectionName: 'fleet-role-down', maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    down.on('error', () => undefined);
    const clock = new ManualClock(0);
    const errors: unknown[] = [];
    const roles = (whenUnanswered: 'grant' | 'refuse') =>
      ['a', 'b'].map((id) => createFleetRole({ leases: createFleetLeases({ client: down, clock, holder: id, keyPrefix: 'role2:', whenUnanswered, onError: (e) => errors.push(e) }), clock, name: 'gauges' }));
    expect(await Promise.all(roles('refuse').map((r) => r.claim()))).toEqual([false, false]);
    expect(await Promise.all(roles('grant').map((r) => r.claim()))).toEqual([true, true]);
    expect(errors).toHaveLength(4);
    down.disconnect();
  });

  it('refuses a renewal period that would let its lease end between renewals, naming both', () => {
    const leases = createFleetLeases({ client: redis, clock: new ManualClock(0), holder: 'a', keyPrefix: 'role3:', onError: noError });
    expect(() => createFleetRole({ leases, clock: new ManualClock(0), name: 'gauges', ttlMs: 5_000, everyMs: 5_000 })).toThrow(/fleet role gauges needs 0 < everyMs < ttlMs, got everyMs 5000, ttlMs 5000/);
  });
});

import { ManualClock } from '@ultra/core';
import { createRedisConnection } from '@ultra/runtime/redis';
import { startRedis, type RedisServer } from '@ultra/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleetLeases } from './fleet-lease.ts';
import { createFleetMembers } from './fleet-members.ts';

/** The fleet's leases and heartbeats against a real redis-server, time driven by a ManualClock. */
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

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeaseOutcome, Layer } from '@ultra/contracts/cache';
import { HealthCheckResponse_ServingStatus as Serving } from '@ultra/contracts/grpc-health';
import { killRedis, startCacheReplicas, startRedis, stopRedis, waitFor, type CacheReplica, type RedisServer } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REDIS_HEALTH = 'ultra.cache.v1.CacheService/redis';
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

type Replica = CacheReplica;

async function status(r: Replica, service: string): Promise<Serving | undefined> {
  try {
    return (await r.health.check({ service }, { timeoutMs: 1000 })).status;
  } catch {
    return undefined;
  }
}

describe('two cache processes sharing one Redis', () => {
  let redis: RedisServer;
  let replicas: Replica[];

  beforeAll(async () => {
    redis = await startRedis();
    const dir = mkdtempSync(join(tmpdir(), 'ultra-warm-'));
    const warmFile = join(dir, 'warm.jsonl');
    writeFileSync(warmFile, '{"key": "chat:warm", "value": "warmed at start", "ttl": "1h"}\n');
    replicas = await startCacheReplicas(['cache-a', 'cache-b'], { redisUrl: redis.url, cacheConfig: `warm_file: ${warmFile}\nlease: { wait: 5s }` });
    for (const r of replicas) await waitFor(async () => (await status(r, REDIS_HEALTH)) === Serving.SERVING, { what: `${r.proc.name} synced with Redis` });
  }, 60_000);

  afterAll(async () => {
    const codes = await Promise.all(replicas?.map((r) => r.proc.stop('SIGTERM')) ?? []);
    if (redis) await stopRedis(redis);
    expect(codes).toEqual([0, 0]);
  });

  it('both warmed from the file at start (cache.warm_file)', async () => {
    const [a, b] = replicas as [Replica, Replica];
    for (const r of [a, b]) expect(text((await r.cache.get({ key: 'chat:warm' })).value)).toBe('warmed at start');
    const warmed = await Promise.all([a, b].map(async (r) => (await r.cache.stats({})).warmed));
    expect(warmed).toEqual([1n, 1n]);
  });

  it('a Put in one process invalidates the other over real sockets, within a bounded time', async () => {
    const [a, b] = replicas as [Replica, Replica];
    await a.cache.put({ key: 'k', value: bytes('v1'), tags: ['model:chat'] });
    expect(await b.cache.get({ key: 'k' })).toMatchObject({ value: bytes('v1'), layer: Layer.REDIS });
    expect(await b.cache.get({ key: 'k' })).toMatchObject({ value: bytes('v1'), layer: Layer.LOCAL });
    expect(await a.cache.put({ key: 'k', value: bytes('v2'), tags: ['model:chat'] })).toMatchObject({ shared: true });
    const ms = await waitFor(async () => text((await b.cache.get({ key: 'k' })).value) === 'v2', { timeoutMs: 2000, intervalMs: 1, what: 'v2 on b' });
    console.info(`cross-process invalidation seen by a reader after ${ms.toFixed(1)} ms`);
    // by tag, the other way round
    expect(await a.cache.get({ key: 'k' })).toMatchObject({ layer: Layer.LOCAL });
    expect((await b.cache.invalidate({ target: { case: 'tag', value: 'model:chat' } })).removed).toBe(1n);
    await waitFor(async () => !(await a.cache.get({ key: 'k' })).found, { timeoutMs: 2000, what: 'the tag invalidation on a' });
  });

  it('an invalidation on cache a is seen on cache b within 100 ms in at least 99 of 100 runs', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const key = `inv-${i}`;
      await a.cache.put({ key, value: bytes(`v${i}`) });
      await b.cache.get({ key });
      expect(await b.cache.get({ key })).toMatchObject({ found: true, layer: Layer.LOCAL }); // b holds its own copy
      const start = performance.now();
      await a.cache.invalidate({ target: { case: 'key', value: key } });
      await waitFor(async () => !(await b.cache.get({ key })).found, { timeoutMs: 2000, intervalMs: 1, what: `the invalidation of ${key} on b` });
      times.push(performance.now() - start);
    }
    const sorted = [...times].sort((x, y) => x - y);
    console.info(`invalidation on a seen on b: median ${sorted[50]!.toFixed(1)} ms, 99th ${sorted[98]!.toFixed(1)} ms, slowest ${sorted[99]!.toFixed(1)} ms`);
    expect(times.filter((ms) => ms <= 100).length).toBeGreaterThanOrEqual(99);
  });

  it('a lease taken in one process makes the other wait for its value', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const lease = await a.cache.lease({ key: 'hot' });
    expect(lease.outcome).toBe(LeaseOutcome.GRANTED);
    const waiter = b.cache.lease({ key: 'hot' });
    await waitFor(async () => (await b.cache.stats({})).leaseWaits >= 1n, { what: 'b waiting' });
    await a.cache.put({ key: 'hot', value: bytes('computed once'), leaseToken: lease.token });
    expect(await waiter).toMatchObject({ outcome: LeaseOutcome.HIT, value: bytes('computed once') });
  });

  it('with Redis killed, reports degraded through grpc.health.v1 and keeps answering from local', async () => {
    const [a, b] = replicas as [Replica, Replica];
    await a.cache.put({ key: 'kept', value: bytes('local copy') });
    await b.cache.get({ key: 'kept' });
    await killRedis(redis);
    for (const r of [a, b]) {
      await waitFor(async () => (await status(r, REDIS_HEALTH)) === Serving.NOT_SERVING, { what: `${r.proc.name} degraded` });
      expect(await status(r, '')).toBe(Serving.SERVING);
      expect(await r.cache.get({ key: 'kept' })).toMatchObject({ found: true, layer: Layer.LOCAL, value: bytes('local copy') });
      expect(await r.cache.put({ key: 'new', value: bytes('x') })).toMatchObject({ shared: false });
      expect((await r.cache.stats({})).redisState).toMatch(/^degraded: /);
    }
  });
});

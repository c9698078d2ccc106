import { createClient, createRouterTransport } from '@connectrpc/connect';
import { CacheService, Layer } from '@ultra/contracts/cache';
import { ManualClock } from '@ultra/core';
import { startRedis, type RedisServer } from '@ultra/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheService } from './cache-service.ts';
import { createStore } from './store.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

function service(clock: ManualClock, redis?: Redis) {
  const store = createStore({ clock, maxEntries: 100, maxBytes: 64 * 1024, redis });
  const impl = createCacheService({ store, clock, ttlMs: 1000, staleMs: 5000, maxValueBytes: 1024 });
  return { store, client: createClient(CacheService, createRouterTransport((r) => r.service(CacheService, impl))) };
}

describe('cache service, in-process', () => {
  it('serves fresh, then stale only when allowed, then nothing', async () => {
    const clock = new ManualClock(0);
    const { client } = service(clock);
    await client.put({ key: 'k', value: bytes('v') });
    expect(await client.get({ key: 'k' })).toMatchObject({ found: true, stale: false, layer: Layer.LOCAL });
    clock.advance(1000);
    expect((await client.get({ key: 'k' })).found).toBe(false);
    expect(await client.get({ key: 'k', allowStale: true })).toMatchObject({ found: true, stale: true, ageMs: 1000n });
    clock.advance(5000);
    expect((await client.get({ key: 'k', allowStale: true })).found).toBe(false);
  });

  it('invalidates by key, prefix and tag', async () => {
    const clock = new ManualClock(0);
    const { client } = service(clock);
    await client.put({ key: 'a:1', value: bytes('1'), tags: ['model:x'] });
    await client.put({ key: 'a:2', value: bytes('2') });
    await client.put({ key: 'b:1', value: bytes('3'), tags: ['model:x'] });
    expect((await client.invalidate({ target: { case: 'tag', value: 'model:x' } })).removed).toBe(2n);
    expect((await client.invalidate({ target: { case: 'prefix', value: 'a:' } })).removed).toBe(1n);
    expect((await client.get({ key: 'a:2' })).found).toBe(false);
  });

  it('keeps the local replica under its byte bound', async () => {
    const clock = new ManualClock(0);
    const { client, store } = service(clock);
    for (let i = 0; i < 200; i++) await client.put({ key: `big${i}`, value: new Uint8Array(1000) });
    expect(store.localBytes).toBeLessThanOrEqual(64 * 1024);
    expect(store.stats.evictions).toBeGreaterThan(0);
  });

  it('rejects bad input with a clear error', async () => {
    const { client } = service(new ManualClock(0));
    await expect(client.get({ key: '' })).rejects.toThrow('key must not be empty');
    await expect(client.put({ key: 'k', value: new Uint8Array(2048) })).rejects.toThrow(
      'value is 2048 bytes, over the limit of 1024 bytes',
    );
    await expect(client.invalidate({})).rejects.toThrow('target must be one of key, prefix or tag');
  });
});

describe('cache service, with Redis', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('shares entries between replicas through Redis and fills the local replica', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const a = new Redis(server.url);
    const b = new Redis(server.url);
    try {
      const one = service(clock, a);
      const two = service(clock, b);
      await one.client.put({ key: 'shared', value: bytes('hello') });
      expect(await two.client.get({ key: 'shared' })).toMatchObject({ found: true, layer: Layer.REDIS });
      expect(await two.client.get({ key: 'shared' })).toMatchObject({ found: true, layer: Layer.LOCAL });
      expect((await two.client.stats({})).backend).toBe('redis');
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it('keeps answering from the local replica when Redis is gone', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const redis = new Redis(`redis://127.0.0.1:1`, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    const { client, store } = service(clock, redis);
    await client.put({ key: 'k', value: bytes('v') });
    expect(await client.get({ key: 'k' })).toMatchObject({ found: true, layer: Layer.LOCAL });
    expect((await client.get({ key: 'missing' })).found).toBe(false);
    expect(store.stats.redisErrors).toBeGreaterThanOrEqual(2);
    redis.disconnect();
  });
});

import { Layer } from '@ultra/contracts/cache';
import { ManualClock } from '@ultra/core';
import { startRedis, waitFor, type RedisServer } from '@ultra/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bytes, createTestReplica, text, type TestReplica } from './test-replica.ts';

describe('two replicas sharing one Redis', () => {
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

  async function pair(): Promise<[TestReplica, TestReplica]> {
    const a = createTestReplica(clock, { redisUrl: server.url });
    const b = createTestReplica(clock, { redisUrl: server.url });
    replicas.push(a, b);
    await waitFor(() => !a.store.health.degraded && !b.store.health.degraded, { what: 'both replicas synced with Redis' });
    return [a, b];
  }

  it('shares entries through Redis, fills the local replica, and says which layer answered', async () => {
    const [a, b] = await pair();
    expect(await a.client.put({ key: 'shared', value: bytes('hello') })).toMatchObject({ shared: true });
    expect(await b.client.get({ key: 'shared' })).toMatchObject({ found: true, layer: Layer.REDIS });
    expect(await b.client.get({ key: 'shared' })).toMatchObject({ found: true, layer: Layer.LOCAL });
    expect(await b.client.stats({})).toMatchObject({ backend: 'redis', redisState: 'ok', redisHits: 1n, localHits: 1n, localMisses: 1n });
  });

  it('a Put in one replica removes the old value from the other within a bounded time', async () => {
    const [a, b] = await pair();
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const key = `k${i}`;
      await a.client.put({ key, value: bytes('old') });
      expect(text((await b.client.get({ key })).value)).toBe('old');
      expect(b.store.local.get(`_/${key}`)).toBeDefined();
      await a.client.put({ key, value: bytes('new') });
      latencies.push(await waitFor(() => b.store.local.get(`_/${key}`) === undefined, { timeoutMs: 1000, intervalMs: 0, what: `${key} dropped from b` }));
      expect(await b.client.get({ key })).toMatchObject({ value: bytes('new'), layer: Layer.REDIS });
    }
    latencies.sort((x, y) => x - y);
    console.info(`cross-replica invalidation: median ${latencies[10]!.toFixed(2)} ms, max ${latencies[19]!.toFixed(2)} ms over 20 puts`);
    expect(latencies[19]).toBeLessThan(1000);
    expect(b.store.counters.invalidationsReceived).toBeGreaterThanOrEqual(20);
  });

  it('invalidates by key, prefix and tag on every replica and in Redis', async () => {
    const [a, b] = await pair();
    const keys = ['chat:1', 'chat:2', 'emb:1', 'emb:2'];
    for (const key of keys) await a.client.put({ key, value: bytes(key), tags: [key.startsWith('chat') ? 'model:gpt' : 'model:emb', 'provider:p'] });
    for (const key of keys) await b.client.get({ key }); // b holds all four locally
    expect(b.store.local.size).toBe(4);

    expect((await a.client.invalidate({ target: { case: 'tag', value: 'model:gpt' } })).removed).toBe(2n);
    await waitFor(() => b.store.local.size === 2, { what: 'tag invalidation on b' });
    expect((await b.client.invalidate({ target: { case: 'prefix', value: 'emb:' } })).removed).toBe(2n);
    await waitFor(() => a.store.local.size === 0, { what: 'prefix invalidation on a' });
    for (const key of keys) {
      expect((await a.client.get({ key })).found).toBe(false);
      expect((await b.client.get({ key })).found).toBe(false);
    }
    await a.client.put({ key: 'one', value: bytes('1') });
    await b.client.get({ key: 'one' });
    expect((await b.client.invalidate({ target: { case: 'key', value: 'one' } })).removed).toBe(1n);
    await waitFor(() => a.store.local.size === 0, { what: 'key invalidation on a' });
  });

  it('keeps its Redis registries bounded: entries past their stale window leave the tag and key indexes', async () => {
    const [a] = await pair();
    const redis = a.redis!.commands;
    for (let i = 0; i < 50; i++) await a.client.put({ key: `old:${i}`, value: bytes('v'), ttlMs: 1000n, staleMs: 0n, tags: ['model:bounded'] });
    expect(await redis.zcard('ultra:cache:t:_/model:bounded')).toBe(50);
    clock.advance(1000);
    await a.client.put({ key: 'new', value: bytes('v'), tags: ['model:bounded'] });
    expect(await redis.zcard('ultra:cache:t:_/model:bounded')).toBe(1);
    expect(await redis.zscore('ultra:cache:exp', '_/old:0')).toBeNull();
  });

  it('keeps tenants apart in Redis too', async () => {
    const [a, b] = await pair();
    await a.client.put({ namespace: 'acme', key: 'k', value: bytes('acme'), tags: ['model:x'] });
    await a.client.put({ namespace: 'globex', key: 'k', value: bytes('globex'), tags: ['model:x'] });
    expect(text((await b.client.get({ namespace: 'acme', key: 'k' })).value)).toBe('acme');
    expect((await b.client.get({ key: 'k' })).found).toBe(false);
    expect((await b.client.invalidate({ namespace: 'acme', target: { case: 'tag', value: 'model:x' } })).removed).toBe(1n);
    expect((await a.client.get({ namespace: 'globex', key: 'k' })).found).toBe(true);
    await waitFor(() => a.store.local.get('acme/k') === undefined, { what: 'acme/k dropped on a' });
  });

  it('judges TTL and the stale window by the clock, in both layers', async () => {
    const [a, b] = await pair();
    await a.client.put({ key: 'timed', value: bytes('v'), ttlMs: 1000n, staleMs: 2000n });
    clock.advance(999);
    expect(await b.client.get({ key: 'timed' })).toMatchObject({ found: true, stale: false, layer: Layer.REDIS });
    clock.advance(1);
    expect((await a.client.get({ key: 'timed' })).found).toBe(false);
    expect(await a.client.get({ key: 'timed', allowStale: true })).toMatchObject({ found: true, stale: true, layer: Layer.LOCAL });
    b.store.local.delete('_/timed');
    expect(await b.client.get({ key: 'timed', allowStale: true })).toMatchObject({ found: true, stale: true, layer: Layer.REDIS });
    clock.advance(2000);
    b.store.local.delete('_/timed');
    expect((await b.client.get({ key: 'timed', allowStale: true })).found).toBe(false);
    expect((await a.client.get({ key: 'timed', allowStale: true })).found).toBe(false);
  });

  it('warms from a list only where Redis has nothing, so replicas warming alike do not invalidate each other', async () => {
    const [a, b] = await pair();
    const entries = [
      { key: 'w1', value: bytes('one'), tags: ['model:chat'] },
      { key: 'w2', value: bytes('two'), ttlMs: 60_000n },
    ];
    expect(await a.client.warm({ entries })).toMatchObject({ loaded: 2n, shared: 2n, skipped: 0n });
    const sent = a.store.counters.invalidationsSent;
    expect(await b.client.warm({ entries })).toMatchObject({ loaded: 0n, shared: 0n, skipped: 2n });
    expect(await b.client.get({ key: 'w1' })).toMatchObject({ value: bytes('one'), layer: Layer.REDIS });
    expect(await a.client.get({ key: 'w2' })).toMatchObject({ layer: Layer.LOCAL });
    expect(a.store.counters.invalidationsSent).toBe(sent);
    expect(await b.client.warm({ entries: [{ key: 'w1', value: bytes('uno') }], overwrite: true })).toMatchObject({ shared: 1n });
    await waitFor(() => a.store.local.get('_/w1') === undefined, { what: 'overwrite reaching a' });
    expect(text((await a.client.get({ key: 'w1' })).value)).toBe('uno');
  });

  it('shares runtime config through both layers, and watchers see changes made elsewhere', async () => {
    const [a, b] = await pair();
    expect((await b.client.getConfig({ name: 'features' })).found).toBe(false);
    const abort = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const v of b.client.watchConfig({ name: 'features' }, { signal: abort.signal })) {
        seen.push(v.found ? text(v.value) : '(none)');
      }
    })().catch(() => undefined);
    await waitFor(() => seen.length === 1, { what: 'the first watch message' });
    expect(await a.client.putConfig({ name: 'features', value: bytes('{"hedging":false}') })).toMatchObject({ shared: true });
    await waitFor(() => seen.length === 2, { what: 'the change on b' });
    await a.client.putConfig({ name: 'features', value: bytes('{"hedging":true}') });
    await waitFor(() => seen.length === 3, { what: 'the second change on b' });
    expect(seen).toEqual(['(none)', '{"hedging":false}', '{"hedging":true}']);
    clock.advance(10 * 24 * 3_600_000); // config never expires (entries would be long gone)
    expect(await b.client.getConfig({ name: 'features' })).toMatchObject({ found: true, layer: Layer.LOCAL });
    abort.abort();
    await watching;
  });
});

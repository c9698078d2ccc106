import { Layer } from '@ultra/contracts/cache';
import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { bytes, createTestReplica, text } from './test-replica.ts';

describe('the local replica, without Redis', () => {
  it('serves fresh until the TTL, then stale only when allowed, then nothing', async () => {
    const clock = new ManualClock(0);
    const { client } = createTestReplica(clock);
    await client.put({ key: 'k', value: bytes('v'), ttlMs: 1000n, staleMs: 5000n });
    clock.advance(999);
    expect(await client.get({ key: 'k' })).toMatchObject({ found: true, stale: false, layer: Layer.LOCAL, ageMs: 999n });
    clock.advance(1);
    expect((await client.get({ key: 'k' })).found).toBe(false);
    expect(await client.get({ key: 'k', allowStale: true })).toMatchObject({ found: true, stale: true, ageMs: 1000n });
    clock.advance(4999);
    expect((await client.get({ key: 'k', allowStale: true })).stale).toBe(true);
    clock.advance(1);
    expect((await client.get({ key: 'k', allowStale: true })).found).toBe(false);
  });

  it('applies the configured TTL and stale window when a Put gives none, and a stale window of 0 when asked', async () => {
    const clock = new ManualClock(0);
    const { client } = createTestReplica(clock); // defaults: TTL 1 s, stale 5 s
    await client.put({ key: 'default', value: bytes('v') });
    await client.put({ key: 'no-stale', value: bytes('v'), staleMs: 0n });
    clock.advance(1000);
    expect((await client.get({ key: 'default', allowStale: true })).stale).toBe(true);
    expect((await client.get({ key: 'no-stale', allowStale: true })).found).toBe(false);
  });

  it('counts hits, misses and stale serves, and sweeps expired entries', async () => {
    const clock = new ManualClock(0);
    const { client, store } = createTestReplica(clock);
    await client.put({ key: 'k', value: bytes('v') });
    await client.get({ key: 'k' });
    await client.get({ key: 'nope' });
    clock.advance(1000);
    await client.get({ key: 'k', allowStale: true });
    clock.advance(60_000); // past the stale window; the sweep runs every 30 s
    expect(store.local.size).toBe(0);
    expect(await client.stats({})).toMatchObject({ localHits: 1n, misses: 1n, staleHits: 1n, puts: 1n, expired: 1n, backend: 'memory', redisState: 'none' });
  });

  it('invalidates by key, prefix and tag, within a namespace only', async () => {
    const { client } = createTestReplica(new ManualClock(0));
    for (const namespace of ['', 'acme']) {
      await client.put({ namespace, key: 'a:1', value: bytes('1'), tags: ['model:x'] });
      await client.put({ namespace, key: 'a:2', value: bytes('2') });
      await client.put({ namespace, key: 'b:1', value: bytes('3'), tags: ['model:x'] });
    }
    expect((await client.invalidate({ target: { case: 'tag', value: 'model:x' } })).removed).toBe(2n);
    expect((await client.invalidate({ target: { case: 'prefix', value: 'a:' } })).removed).toBe(1n);
    expect((await client.get({ key: 'a:2' })).found).toBe(false);
    // acme's entries are untouched, and the default namespace does not see them
    expect(text((await client.get({ namespace: 'acme', key: 'a:2' })).value)).toBe('2');
    expect((await client.invalidate({ namespace: 'acme', target: { case: 'key', value: 'b:1' } })).removed).toBe(1n);
    expect((await client.get({ namespace: 'acme', key: 'a:1' })).found).toBe(true);
  });

  it('keeps the bytes it holds under max_bytes for a stream of large entries', async () => {
    const maxBytes = 256 * 1024;
    const { client, store } = createTestReplica(new ManualClock(0), { maxBytes, maxEntries: 10_000, maxValueBytes: 32 * 1024 });
    let peak = 0;
    for (let i = 0; i < 200; i++) {
      await client.put({ key: `big:${i}`, value: new Uint8Array(20_000 + (i % 7) * 1000).fill(i % 256) });
      // what the values really keep alive: their backing buffers, not just their views
      let held = 0;
      for (let j = Math.max(0, i - 12); j <= i; j++) {
        const r = await store.lookup(`_/big:${j}`, true);
        if (r) held += r.entry.value.buffer.byteLength;
      }
      peak = Math.max(peak, store.local.bytes, held);
    }
    expect(peak).toBeLessThanOrEqual(maxBytes);
    const stats = await client.stats({});
    expect(stats.localBytes).toBeLessThanOrEqual(BigInt(maxBytes));
    expect(stats.evictions).toBeGreaterThan(180n); // 200 entries of 20-26 KB through 256 KiB
    expect(stats.localEntries).toBeLessThanOrEqual(12n);
    expect(text((await client.get({ key: 'big:199' })).value).length).toBeGreaterThan(0);
  });

  it('keeps to max_entries', async () => {
    const { client, store } = createTestReplica(new ManualClock(0), { maxEntries: 10 });
    for (let i = 0; i < 50; i++) await client.put({ key: `k${i}`, value: bytes('v') });
    expect(store.local.size).toBe(10);
    expect(store.counters.evictions).toBe(40);
    expect((await client.get({ key: 'k0' })).found).toBe(false);
    expect((await client.get({ key: 'k49' })).found).toBe(true);
  });
});

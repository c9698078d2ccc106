import net from 'node:net';
import { Layer } from '@ultra/contracts/cache';
import { ManualClock } from '@ultra/core';
import { startRedis, stopRedis, waitFor, type RedisServer } from '@ultra/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { bytes, createTestReplica, text, type TestReplica } from './test-replica.ts';

/** A TCP forwarder to Redis that can be cut (every connection dropped, new ones refused) and healed: a partition of one replica. */
async function partitionable(target: number) {
  const sockets = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) return client.destroy();
    const upstream = net.connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cutAll = () => {
    cut = true;
    for (const s of sockets) s.destroy();
  };
  return {
    url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut: cutAll,
    heal() {
      cut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        cutAll();
        server.close(() => resolve());
      }),
  };
}

describe('writes queued while Redis was away', () => {
  let redis: RedisServer | undefined;
  let replicas: TestReplica[] = [];
  let forwarder: Awaited<ReturnType<typeof partitionable>> | undefined;
  afterEach(async () => {
    for (const r of replicas) r.close();
    replicas = [];
    await forwarder?.close();
    forwarder = undefined;
    if (redis) await stopRedis(redis);
  });

  /** Replica a reaches Redis through a forwarder that can be cut; b directly; one clock. */
  const twoReplicas = async () => {
    redis = await startRedis();
    const cuttable = await partitionable(redis.port);
    forwarder = cuttable;
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const a = createTestReplica(clock, { redisUrl: cuttable.url });
    const b = createTestReplica(clock, { redisUrl: redis.url });
    replicas.push(a, b);
    await waitFor(() => !a.store.health.degraded && !b.store.health.degraded, { what: 'both synced' });
    return { clock, a, b, proxy: cuttable };
  };

  it('lose to a newer Put made meanwhile by another replica: after the partition both replicas serve the newer value', async () => {
    const { clock, a, b, proxy } = await twoReplicas();

    proxy.cut();
    await waitFor(() => a.store.health.degraded, { what: 'a cut off from Redis' });
    // a's Put comes first, while a cannot reach Redis: it is queued.
    expect((await a.client.put({ key: 'k', value: bytes('older, from a'), ttlMs: 60_000n })).shared).toBe(false);
    expect(a.store.pendingWrites).toBe(1);
    clock.advance(100);
    // b's Put comes later and reaches Redis.
    expect((await b.client.put({ key: 'k', value: bytes('newer, from b'), ttlMs: 60_000n })).shared).toBe(true);

    proxy.heal();
    await waitFor(() => !a.store.health.degraded && a.store.pendingWrites === 0, { timeoutMs: 10_000, what: 'a back and replayed' });
    expect(text((await b.client.get({ key: 'k' })).value)).toBe('newer, from b');
    const onA = await a.client.get({ key: 'k' });
    expect(text(onA.value)).toBe('newer, from b');
    expect(onA.layer).toBe(Layer.REDIS);
  }, 30_000);

  it('still reach Redis when nothing newer was written there', async () => {
    const { clock, a, b, proxy } = await twoReplicas();
    await b.client.put({ key: 'k', value: bytes('older, from b'), ttlMs: 60_000n });
    proxy.cut();
    await waitFor(() => a.store.health.degraded, { what: 'a cut off from Redis' });
    clock.advance(100);
    await a.client.put({ key: 'k', value: bytes('newer, from a'), ttlMs: 60_000n });
    proxy.heal();
    await waitFor(() => !a.store.health.degraded && a.store.pendingWrites === 0, { timeoutMs: 10_000, what: 'a back and replayed' });
    await waitFor(async () => text((await b.client.get({ key: 'k' })).value) === 'newer, from a', { what: 'b sees a’s newer write' });
  }, 30_000);
});

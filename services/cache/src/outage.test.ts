import { CacheService, Layer } from '@ultra/contracts/cache';
import { ManualClock } from '@ultra/core';
import { Serving } from '@ultra/runtime';
import { killRedis, pauseRedis, resumeRedis, startRedis, stopRedis, waitFor, type RedisServer } from '@ultra/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_HEALTH_SERVICE } from './server.ts';
import { bytes, createTestReplica, text, type TestReplica } from './test-replica.ts';

type Phase = 'before' | 'outage' | 'after';

describe('Redis going away', () => {
  let server: RedisServer | undefined;
  let replicas: TestReplica[] = [];
  afterEach(async () => {
    for (const r of replicas) r.close();
    replicas = [];
    if (server) await stopRedis(server);
  });

  it('killed under load: reads go on from local, nothing fails, health turns degraded, and writes resume after restart', async () => {
    server = await startRedis();
    const port = server.port;
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const a = createTestReplica(clock, { redisUrl: server.url, maxEntries: 1000, maxBytes: 1024 * 1024 });
    const b = createTestReplica(clock, { redisUrl: server.url, maxEntries: 1000, maxBytes: 1024 * 1024 });
    replicas.push(a, b);
    await waitFor(() => !a.store.health.degraded && !b.store.health.degraded);
    const hot = Array.from({ length: 100 }, (_, i) => `hot:${i}`);
    for (const key of hot) await a.client.put({ key, value: bytes(key), ttlMs: 3_600_000n });
    for (const key of hot) expect((await b.client.get({ key })).found).toBe(true); // b's replica now holds them too

    let phase: Phase = 'before';
    let running = true;
    const log: { phase: Phase; op: 'get' | 'put'; ok: boolean; found?: boolean; layer?: Layer; shared?: boolean }[] = [];
    let n = 0;
    const load = (async () => {
      while (running) {
        const at = phase;
        const i = n++;
        const replica = i % 2 ? a : b;
        const gets = hot.slice((i * 10) % 100, ((i * 10) % 100) + 10).map((key) =>
          replica.client.get({ key }).then(
            (r) => log.push({ phase: at, op: 'get', ok: true, found: r.found, layer: r.layer }),
            () => log.push({ phase: at, op: 'get', ok: false }),
          ),
        );
        const put = replica.client.put({ key: `w:${i}`, value: bytes(`w${i}`), ttlMs: 3_600_000n }).then(
          (r) => log.push({ phase: at, op: 'put', ok: true, shared: r.shared }),
          () => log.push({ phase: at, op: 'put', ok: false }),
        );
        await Promise.all([...gets, put]);
        // Served from local, an iteration never leaves the microtask queue: let I/O and timers run.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await waitFor(() => log.length > 200, { what: 'load before the outage' });

    await killRedis(server);
    phase = 'outage';
    await waitFor(() => a.store.health.degraded && b.store.health.degraded, { what: 'both degraded' });
    for (const r of [a, b]) {
      expect(r.health.get(REDIS_HEALTH_SERVICE)).toBe(Serving.NOT_SERVING);
      expect(r.health.get('')).toBe(Serving.SERVING); // still answering: probes keep routing to it
      expect(r.health.get(CacheService.typeName)).toBe(Serving.SERVING);
    }
    const outageStart = log.length;
    await waitFor(() => log.length > outageStart + 500, { what: 'load during the outage' });
    const written = await a.client.put({ key: 'during', value: bytes('written while Redis was down'), ttlMs: 3_600_000n });
    expect(written.shared).toBe(false);
    expect((await a.client.stats({})).redisState).toMatch(/^degraded: /);

    phase = 'after'; // from here reads may miss: a replica that resyncs drops what it cannot vouch for
    server = await startRedis(port);
    await waitFor(() => !a.store.health.degraded && !b.store.health.degraded, { timeoutMs: 10_000, what: 'both back' });
    const afterStart = log.length;
    await waitFor(() => log.filter((l, i) => i >= afterStart && l.op === 'put' && l.shared).length > 10, { what: 'shared writes after the restart' });
    running = false;
    await load;

    expect(log.filter((l) => !l.ok)).toEqual([]);
    const outageGets = log.filter((l) => l.phase === 'outage' && l.op === 'get');
    expect(outageGets.length).toBeGreaterThan(400);
    expect(outageGets.every((l) => l.found && l.layer === Layer.LOCAL)).toBe(true);
    expect(log.filter((l) => l.phase === 'outage' && l.op === 'put' && l.shared)).toEqual([]);
    for (const r of [a, b]) expect(r.health.get(REDIS_HEALTH_SERVICE)).toBe(Serving.SERVING);

    // Redis came back empty (a new epoch): both replicas dropped what they could not vouch
    // for, and a's outage-time write was replayed so b reads it from Redis.
    expect(a.store.counters.resyncs + b.store.counters.resyncs).toBeGreaterThanOrEqual(2);
    expect(a.store.pendingWrites).toBe(0);
    expect(await b.client.get({ key: 'during' })).toMatchObject({ found: true, layer: Layer.REDIS, value: bytes('written while Redis was down') });
    await a.client.put({ key: 'after', value: bytes('after') });
    expect(text((await b.client.get({ key: 'after' })).value)).toBe('after');
    const stats = await a.client.stats({});
    expect(stats.redisErrors + stats.redisSkipped).toBeGreaterThan(0n);
    console.info(
      `outage: ${log.length} calls, ${outageGets.length} reads during the outage all from local, 0 failed; ` +
        `a: ${stats.redisSkipped} Redis calls skipped, ${stats.redisErrors} failed, ${stats.resyncs} resync`,
    );
  }, 60_000);

  it('slow (frozen): a call waits no longer than the timeout, the breaker then stops calls, and a probe closes it', async () => {
    server = await startRedis();
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const a = createTestReplica(clock, { redisUrl: server.url, timeoutMs: 100 });
    replicas.push(a);
    await waitFor(() => !a.store.health.degraded);
    pauseRedis(server);
    /** Runs `call`, moving the clock 10 ms at a time until it settles; the clock time it took. */
    const timed = async <T>(call: Promise<T>) => {
      let settled = false;
      void call.finally(() => (settled = true));
      const start = clock.now();
      await waitFor(
        async () => {
          await new Promise((r) => setImmediate(r));
          if (!settled) clock.advance(10);
          return settled;
        },
        { intervalMs: 1 },
      );
      return { value: await call, ms: clock.now() - start };
    };
    for (let i = 0; i < 3; i++) {
      const r = await timed(a.client.get({ key: `missing:${i}` }));
      expect(r.value.found).toBe(false);
      expect(r.ms).toBeGreaterThanOrEqual(100);
      expect(r.ms).toBeLessThanOrEqual(120);
    }
    expect(a.store.counters.redisTimeouts).toBe(3);
    expect(a.store.health.degraded).toBe(true);
    expect(a.health.get(REDIS_HEALTH_SERVICE)).toBe(Serving.NOT_SERVING);
    // breaker open: no more waiting at all, the clock need not move
    expect((await a.client.get({ key: 'missing:4' })).found).toBe(false);
    expect(await a.client.put({ key: 'k', value: bytes('local only'), ttlMs: 60_000n })).toMatchObject({ shared: false });
    expect(a.store.counters.redisSkipped).toBeGreaterThanOrEqual(2);
    expect(await a.client.get({ key: 'k' })).toMatchObject({ found: true, layer: Layer.LOCAL });

    resumeRedis(server);
    // Time moves on in 50 ms steps (under the 100 ms call timeout, so a probe in flight
    // gets its answer): after the breaker's 2 s open period a probe goes out and closes it.
    const before = clock.now();
    await waitFor(
      () => {
        clock.advance(50);
        return !a.store.health.degraded;
      },
      { what: 'the probe closing the breaker' },
    );
    expect(clock.now() - before).toBeGreaterThanOrEqual(1_500);
    expect(a.health.get(REDIS_HEALTH_SERVICE)).toBe(Serving.SERVING);
    expect(a.store.pendingWrites).toBe(0); // the local-only put was written back
    const b = createTestReplica(clock, { redisUrl: server.url });
    replicas.push(b);
    await waitFor(() => !b.store.health.degraded);
    expect(text((await b.client.get({ key: 'k' })).value)).toBe('local only');
  });
});

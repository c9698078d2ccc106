import { parseConfig, type ClientKey } from '@ultra/config';
import { ManualClock } from '@ultra/core';
import { killRedis, startRedis, stopRedis, waitFor, type RedisServer } from '@ultra/testkit';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { hashKey } from './key-store.ts';
import { createKeyLimiter, isKeyLimitError, type KeyLimiter } from './key-limiter.ts';
import { LEASE_TTL_MS } from './concurrency-leases.ts';

const keyOf = (line: string): ClientKey => parseConfig(`providers:\n  p: [openai]\nauth:\n  keys:\n    - ${line}\n`, 't.yaml', {}).auth.keys[0]!;

/** Two routers' limiters on one Redis, each with its own connection (as start.ts makes it) and the same clock. */
function routers(url: string, clock: ManualClock) {
  const conns = [0, 1].map(() => new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false }));
  for (const c of conns) c.on('error', () => undefined);
  const limiters = conns.map((redis, i) => createKeyLimiter({ redis, clock, id: `router-${i}` }));
  return {
    limiters,
    close() {
      for (const l of limiters) l.stop();
      for (const c of conns) c.disconnect();
    },
  };
}

const admitted = async (l: KeyLimiter, key: ClientKey) =>
  l.admit(key, 1, false).then(
    (release) => release,
    (e: unknown) => {
      if (isKeyLimitError(e)) return undefined;
      throw e;
    },
  );

describe('per-key limits across two routers', () => {
  let redis: RedisServer | undefined;
  let fleet: ReturnType<typeof routers> | undefined;
  afterEach(async () => {
    fleet?.close();
    if (redis) await stopRedis(redis);
    redis = undefined;
  });

  it('with Redis stopped, a 60/min key is admitted at most 60 times of 120 across both: each falls back to its share', async () => {
    redis = await startRedis();
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    fleet = routers(redis.url, clock);
    const [a, b] = fleet.limiters as [KeyLimiter, KeyLimiter];
    await waitFor(async () => {
      await Promise.all([a.tick(), b.tick()]);
      return a.liveRouters === 2 && b.liveRouters === 2;
    }, { what: 'both routers counted' });
    const key = keyOf(`{ name: k, hash: "${hashKey('k')}", requests_per_minute: 60 }`);
    await killRedis(redis);
    redis = undefined;
    let accepted = 0;
    for (let i = 0; i < 120; i++) if (await admitted(i % 2 ? a : b, key)) accepted++;
    expect(accepted).toBeLessThanOrEqual(62);
    expect(accepted).toBeGreaterThanOrEqual(58);
  });

  it('a router that dies holding 5 of a key’s 10 slots: its slots expire and all 10 are admitted again', async () => {
    redis = await startRedis();
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    fleet = routers(redis.url, clock);
    const [dead, alive] = fleet.limiters as [KeyLimiter, KeyLimiter];
    await waitFor(async () => {
      await Promise.all([dead.tick(), alive.tick()]);
      return dead.liveRouters === 2;
    }, { what: 'both routers connected' });
    const key = keyOf(`{ name: k, hash: "${hashKey('k')}", concurrency: 10 }`);
    for (let i = 0; i < 5; i++) expect(await admitted(dead, key)).toBeDefined();
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push(await admitted(alive, key));
    expect(mine.every(Boolean)).toBe(true);
    expect(await admitted(alive, key)).toBeUndefined(); // 10 held
    dead.stop(); // crashed: it neither releases nor renews
    clock.advance(LEASE_TTL_MS - 1_000);
    await alive.tick(); // the live router renews its own
    expect(await admitted(alive, key)).toBeUndefined();
    clock.advance(2_000);
    const again = [];
    for (let i = 0; i < 5; i++) again.push(await admitted(alive, key));
    expect(again.every(Boolean)).toBe(true);
    expect(await admitted(alive, key)).toBeUndefined(); // 10 held again, all by the live router
    for (const release of [...mine, ...again]) await release!();
    expect(await admitted(alive, key)).toBeDefined();
  });
});

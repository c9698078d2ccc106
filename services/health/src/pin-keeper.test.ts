import { Mode } from '@ultra/contracts/chat';
import { ManualClock } from '@ultra/core';
import { createRedisConnection } from '@ultra/runtime/redis';
import { startRedis, stopRedis, type RedisServer } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModeEngine } from './engine/engine.ts';
import { DEFAULT_RULES } from './engine/rules.ts';
import { createPinKeeper, PIN_KEY } from './pin-keeper.ts';

/** Two health replicas' pin keepers on one real Redis. */
let server: RedisServer;
const connections: ReturnType<typeof createRedisConnection>[] = [];
const warnings: string[] = [];

const ready = async (redis: ReturnType<typeof createRedisConnection>) => {
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
};
const replica = async (port: number) => {
  const clock = new ManualClock(1_000_000);
  const engine = createModeEngine({ rules: DEFAULT_RULES, clock, recoverAfter: 3 });
  const redis = createRedisConnection(`redis://127.0.0.1:${port}`, { connectionName: 'ultra-health-test', maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 500 });
  connections.push(redis);
  await ready(redis);
  return { clock, engine, redis, pins: createPinKeeper({ engine, clock, redis, log: { warn: (_f, m) => void warnings.push(m) } }) };
};

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  for (const c of connections) c.disconnect();
  await stopRedis(server);
});

describe('pin keeper: one pin for every health replica', () => {
  it('a pin set on one replica holds on the other at its next sync, with the same end; an unpin removes it there too', async () => {
    const a = await replica(server.port);
    const b = await replica(server.port);
    await a.pins.pin(Mode.CRITICAL, 60_000, 'maintenance');
    expect(JSON.parse((await a.redis.get(PIN_KEY)) ?? 'null')).toEqual({ mode: 'CRITICAL', reason: 'maintenance' });
    expect(await a.redis.pttl(PIN_KEY)).toBeGreaterThan(59_000);

    expect(await b.pins.sync()).toBe(true);
    expect(b.engine.current()).toMatchObject({ mode: Mode.CRITICAL, reason: 'pinned by an operator: maintenance' });
    expect(Math.abs((b.engine.current().pinnedUntil ?? 0) - (b.clock.now() + 60_000))).toBeLessThan(1_000);
    expect(await b.pins.sync()).toBe(false); // nothing new
    expect(await a.pins.sync()).toBe(false); // its own pin read back

    await b.pins.unpin();
    expect(await a.redis.get(PIN_KEY)).toBeNull();
    expect(await a.pins.sync()).toBe(true);
    expect(a.engine.heldPin()).toBeUndefined();
  });

  it('a pin moved on one replica (another mode, another reason) moves on the other', async () => {
    const a = await replica(server.port);
    const b = await replica(server.port);
    await a.pins.pin(Mode.DEGRADED, 60_000, 'drill');
    await b.pins.sync();
    await a.pins.pin(Mode.OUTAGE, 120_000, 'provider contract lapsed');
    expect(await b.pins.sync()).toBe(true);
    expect(b.engine.heldPin()).toMatchObject({ mode: Mode.OUTAGE, reason: 'provider contract lapsed' });
    await a.pins.unpin();
  });

  it('something else under the key (a bad edit) is no pin, not a crash', async () => {
    const a = await replica(server.port);
    await a.redis.set(PIN_KEY, '{"mode":"SIDEWAYS","reason":1}', 'PX', 60_000);
    expect(await a.pins.sync()).toBe(false);
    expect(a.engine.heldPin()).toBeUndefined();
    await a.redis.del(PIN_KEY);
  });

  it('a pin set while Redis does not answer holds here at once, says so, and is written when Redis answers again', async () => {
    const down = await startRedis();
    const a = await replica(down.port);
    const port = down.port;
    await stopRedis(down);
    await a.pins.pin(Mode.CRITICAL, 60_000, 'redis is down too');
    expect(a.engine.heldPin()).toMatchObject({ mode: Mode.CRITICAL });
    expect(warnings.at(-1)).toMatch(/^the pin to CRITICAL holds on this health replica only until Redis answers/);
    await expect(a.pins.sync()).rejects.toThrow();

    const back = await startRedis(port);
    try {
      await ready(a.redis);
      expect(await a.pins.sync()).toBe(false); // writes what Redis missed
      const b = await replica(port);
      expect(await b.pins.sync()).toBe(true);
      expect(b.engine.heldPin()).toMatchObject({ mode: Mode.CRITICAL, reason: 'redis is down too' });
    } finally {
      await stopRedis(back);
    }
  });

  it('without Redis, a pin is this replica alone', async () => {
    const clock = new ManualClock(0);
    const engine = createModeEngine({ rules: DEFAULT_RULES, clock, recoverAfter: 3 });
    const pins = createPinKeeper({ engine, clock, log: { warn: () => undefined } });
    await pins.pin(Mode.DEGRADED, 10_000, 'alone');
    expect(await pins.sync()).toBe(false);
    expect(engine.current()).toMatchObject({ mode: Mode.DEGRADED, pinnedUntil: 10_000 });
  });
});

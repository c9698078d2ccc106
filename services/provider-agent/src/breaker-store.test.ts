import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createBreakerStore, type KeyValueClient } from './breaker-store.ts';

function fakeRedis(down = false) {
  const data = new Map<string, string>();
  const fail = () => Promise.reject(new Error('connection refused'));
  const client: KeyValueClient = {
    mget: (...keys) => (down ? fail() : Promise.resolve(keys.map((k) => data.get(k) ?? null))),
    set: (k, v) => (down ? fail() : (data.set(k, v), Promise.resolve('OK'))),
    del: (k) => (down ? fail() : Promise.resolve(data.delete(k) ? 1 : 0)),
  };
  return { data, client };
}

describe('breaker state in Redis', () => {
  it('keeps what must outlive the agent and forgets a plain closed breaker', async () => {
    const { data, client } = fakeRedis();
    const warnings: string[] = [];
    const store = createBreakerStore({ client, clock: new ManualClock(0), warn: (m) => warnings.push(m) });
    const open = { version: 1, state: 'open', openedAt: 1_000, openUntil: 6_000, consecutiveTrips: 1 } as const;
    store.save('alpha', open);
    store.save('beta', { version: 1, state: 'forced-open', consecutiveTrips: 0 });
    store.save('gamma', { version: 1, state: 'open', openedAt: 0, openUntil: 5, consecutiveTrips: 1 });
    store.save('gamma', { version: 1, state: 'closed', consecutiveTrips: 0 });
    await store.flush();
    expect([...data.keys()].sort()).toEqual(['ultra:agent:breaker:alpha', 'ultra:agent:breaker:beta']);
    data.set('ultra:agent:breaker:delta', '{"version":2}');
    data.set('ultra:agent:breaker:epsilon', 'not json');
    const loaded = await store.load(['alpha', 'beta', 'gamma', 'delta', 'epsilon']);
    expect(Object.fromEntries(loaded)).toEqual({ alpha: open, beta: { version: 1, state: 'forced-open', consecutiveTrips: 0 } });
    expect(warnings).toEqual([
      'ultra:agent:breaker:delta: ignored: breaker snapshot version must be 1, got 2',
      'ultra:agent:breaker:epsilon: ignored: not JSON (8 characters)',
    ]);
  });

  it('never stops the agent when Redis is down: nothing restored, saves only logged', async () => {
    const { client } = fakeRedis(true);
    const warnings: string[] = [];
    const store = createBreakerStore({ client, clock: new ManualClock(0), warn: (m) => warnings.push(m) });
    expect((await store.load(['alpha'])).size).toBe(0);
    store.save('alpha', { version: 1, state: 'forced-open', consecutiveTrips: 0 });
    await store.flush();
    expect(warnings).toEqual([
      'breaker state not restored, every breaker starts closed: connection refused',
      'ultra:agent:breaker:alpha: breaker state (forced-open) not saved: connection refused',
    ]);
  });

  it('gives up loading after its timeout', async () => {
    const clock = new ManualClock(0);
    const warnings: string[] = [];
    const hanging: KeyValueClient = { mget: () => new Promise(() => {}), set: async () => 'OK', del: async () => 0 };
    const store = createBreakerStore({ client: hanging, clock, timeoutMs: 500, warn: (m) => warnings.push(m) });
    const loading = store.load(['alpha']);
    clock.advance(500);
    expect((await loading).size).toBe(0);
    expect(warnings).toEqual(['breaker state not restored, every breaker starts closed: reading breaker state from Redis took longer than 500 ms']);
  });
});

import { Outcome } from '@ultra/contracts/chat';
import { ManualClock } from '@ultra/core';
import { resolveBreakerOptions, type BreakerSnapshot, type BreakerState, type ForceMode } from '@ultra/resilience';
import { startRedis, waitFor, type RedisServer } from '@ultra/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from './breaker-store.ts';
import { createFleet, type Fleet } from './fleet.ts';
import type { FleetLink } from './fleet-provider.ts';

/**
 * Two fleets (as two agents would hold them) on one real redis-server, their time on a
 * ManualClock: what one agent's results and forces do to the other's provider.
 */
let server: RedisServer;
const clients: Redis[] = [];
const fleets: Fleet[] = [];
const clock = new ManualClock(Date.now());

/** What the fleet did to one agent's breaker. */
function target(state: BreakerState = 'closed') {
  const done = { state, trips: 0, forces: [] as ForceMode[], restored: [] as BreakerSnapshot[] };
  return {
    done,
    target: {
      breaker: () => ({ state: done.state }),
      restore: (s: BreakerSnapshot) => void done.restored.push(s),
      force: (m: ForceMode) => {
        done.forces.push(m);
        done.state = m === 'open' ? 'forced-open' : m === 'auto' || m === 'closed' ? 'closed' : m;
      },
      trip: () => void done.trips++,
    },
  };
}

async function agent(): Promise<FleetLink> {
  const redis = createRedisClient(server.url, () => undefined);
  clients.push(redis);
  const fleet = createFleet({
    redis,
    url: server.url,
    clock,
    random: Math.random,
    providers: new Map([['openai', resolveBreakerOptions({})]]),
    healthCheck: { intervalMs: 30_000, timeoutMs: 5_000 },
    info: () => undefined,
    warn: () => undefined,
  });
  fleets.push(fleet);
  await fleet.start();
  return fleet.link('openai')!;
}

let a: FleetLink;
let b: FleetLink;
beforeAll(async () => {
  server = await startRedis();
  a = await agent();
  b = await agent();
}, 20_000);
afterAll(async () => {
  for (const f of fleets) await f.stop();
  for (const c of clients) c.disconnect();
  await server?.stop();
});

describe('two agents sharing a provider through Redis', () => {
  it('split the bulkhead once each has heard the other', async () => {
    expect(fleets.map((f) => f.live)).toEqual([1, 2]); // a beat before b existed
    clock.advance(1_000); // the next heartbeat
    await waitFor(() => fleets[0]!.live === 2, { what: 'a counting b' });
    expect([a.share(8), b.share(8), a.share(7)]).toEqual([4, 4, 4]);
  });

  it("keep one agent's Retry-After on the other until it ends by the clock", async () => {
    a.result(Outcome.RATE_LIMITED, 5_000);
    await a.told();
    await waitFor(async () => (await b.admit('closed')) !== undefined, { what: 'b holding the Retry-After' });
    expect((await b.admit('closed'))?.retryAfterMs).toBe(5_000);
    clock.advance(4_999);
    expect((await b.admit('closed'))?.detail).toMatch(/^openai asked for no calls for another 1ms/);
    clock.advance(1);
    expect(await b.admit('closed')).toBeUndefined();
    expect(await a.admit('closed')).toBeUndefined();
  });

  it('trip once when their failures in a row reach consecutive_failures (5) together', async () => {
    const ta = target();
    const tb = target();
    a.attach(ta.target);
    b.attach(tb.target);
    a.result(Outcome.OK); // a fresh run
    for (const link of [a, b, a, b]) {
      link.result(Outcome.SERVER_ERROR);
      await link.told();
    }
    expect(ta.done.trips + tb.done.trips).toBe(0);
    b.result(Outcome.SERVER_ERROR);
    await b.told();
    expect([ta.done.trips, tb.done.trips]).toEqual([0, 1]);
  });

  it("take up one agent's open and its operator's force, and let one agent at a time hold the trial", async () => {
    const ta = target('open');
    const tb = target('half-open');
    a.attach(ta.target);
    b.attach(tb.target);
    const open: BreakerSnapshot = { version: 1, state: 'open', openedAt: clock.now(), openUntil: clock.now() + 5_000, consecutiveTrips: 1 };
    a.breakerChanged('closed', 'open', open);
    await waitFor(() => tb.done.restored.length === 1, { what: 'b opening' });
    expect(tb.done.restored[0]).toEqual(open);
    a.forced('open');
    await waitFor(() => tb.done.forces.length === 1, { what: 'b forced' });
    expect(tb.done.forces).toEqual(['open']);
    expect(ta.done.forces).toEqual([]); // its own force is not heard back
    expect(await a.admit('half-open')).toBeUndefined();
    expect((await b.admit('half-open'))?.detail).toMatch(/another agent holds the trial/);
    clock.advance(10_000); // the trial lease ends
    expect(await b.admit('half-open')).toBeUndefined();
  });

  it('let an agent started later take up the force Redis keeps, and end it when the force ends', async () => {
    const c = await agent(); // a forced openai open above: Redis keeps it
    const tc = target();
    c.attach(tc.target);
    clock.advance(1_000); // the next reading of what Redis keeps
    await waitFor(() => tc.done.forces.includes('open'), { what: 'c forced open' });
    expect(tc.done.state).toBe('forced-open');
    a.forced('auto');
    await waitFor(() => tc.done.state === 'closed', { what: 'c back to closed' });
  });

  it("end an agent's own force when Redis keeps it no more, though the message ending it was lost", async () => {
    const ta = target();
    a.attach(ta.target);
    ta.target.force('open'); // as the provider actor does: the breaker first, then the fleet
    a.forced('open');
    const raw = createRedisClient(server.url, () => undefined);
    clients.push(raw);
    await waitFor(async () => (await raw.get('ultra:agent:force:openai')) === 'open', { what: 'Redis keeping the force' });
    await raw.del('ultra:agent:force:openai'); // ended elsewhere, its message never heard
    clock.advance(1_000);
    await waitFor(() => ta.done.state === 'closed', { what: "a's own force ended" });
    expect(ta.done.forces.at(-1)).toBe('auto');
  });
});

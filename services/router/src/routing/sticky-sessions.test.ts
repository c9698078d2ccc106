import { create } from '@bufbuild/protobuf';
import { Outcome } from '@ultra/contracts/chat';
import { BreakerState, ProviderStateSchema } from '@ultra/contracts/provider-agent';
import { DEFAULT_CONFIG_YAML, parseConfig } from '@ultra/config';
import { createSeededRandom, ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import type { Candidate } from '../candidates.ts';
import { createProviderBook } from './provider-book.ts';
import { createSelector } from './selector.ts';
import { createStrategy } from './strategy.ts';

/** The outlier ejection Ultra ships (config's defaults). */
const DEFAULT_OUTLIER = parseConfig(DEFAULT_CONFIG_YAML, 'default', {}).failover.outlierEjection;

const PROVIDERS = ['a', 'b', 'c', 'd'];
const tiers: Candidate[][] = [PROVIDERS.map((provider) => ({ provider, model: 'm', tier: 'primary' }))];
const SESSIONS = Array.from({ length: 200 }, (_, i) => `session-${i}`);

/** One router: its own book, strategy and selector (nothing shared with another). */
function router(seed: number, clock: ManualClock) {
  const random = createSeededRandom(seed);
  const book = createProviderBook([{ name: 'primary', providers: PROVIDERS }], { clock, outlier: DEFAULT_OUTLIER, cooldownMs: 15_000, rampMs: 4_000 });
  const selector = createSelector({ book, strategy: createStrategy('round-robin', { random, weights: {}, explore: 0 }), random, sticky: true, panicThreshold: 0.5 });
  /** One request of `session`: the first candidate that does not fail answers it. */
  const request = (session: string, failing: ReadonlySet<string> = new Set()) => {
    const s = selector.select(tiers, session, clock.now());
    if (s.kind !== 'ok') throw new Error(`no candidate: ${s.detail}`);
    for (const c of s.order) {
      if (failing.has(c.provider)) {
        book.record(c.provider, Outcome.SERVER_ERROR, 5);
        book.failedOverFrom(c.provider);
        continue;
      }
      selector.pin(session, c.provider);
      return c.provider;
    }
    throw new Error('every candidate failed');
  };
  return { book, request };
}

/** Two routers; each session's requests alternate between them. */
function fleet() {
  const clock = new ManualClock(1_000_000);
  const routers = [router(3, clock), router(7, clock)];
  const went = new Map<string, string[]>();
  let turn = 0;
  const request = (session: string, failing?: ReadonlySet<string>) => {
    const provider = routers[turn++ % 2]!.request(session, failing);
    went.set(session, [...(went.get(session) ?? []), provider]);
    return provider;
  };
  const latest = () => new Map([...went].map(([s, list]) => [s, list.at(-1)!]));
  return { clock, routers, went, request, latest };
}

const count = (m: Map<string, string>) => {
  const c: Record<string, number> = {};
  for (const p of m.values()) c[p] = (c[p] ?? 0) + 1;
  return c;
};

describe('sticky sessions by rendezvous hashing', () => {
  it('keep each of 200 sessions on one provider while its requests alternate between two routers, spread over the tier', () => {
    const { request, went, latest } = fleet();
    for (let i = 0; i < 10; i++) for (const s of SESSIONS) request(s);
    for (const list of went.values()) expect(new Set(list).size).toBe(1);
    const spread = count(latest());
    expect(Object.keys(spread).sort()).toEqual(PROVIDERS);
    // 50 each on average; rendezvous spreads like a fair draw (binomial sd ≈ 6).
    for (const n of Object.values(spread)) expect(Math.abs(n - 50)).toBeLessThanOrEqual(20);
  });

  it('move each session of a provider whose calls fail to one new provider, the same on both routers; the others stay', () => {
    const { request, went, latest } = fleet();
    for (let i = 0; i < 4; i++) for (const s of SESSIONS) request(s);
    const before = latest();
    const onA = SESSIONS.filter((s) => before.get(s) === 'a');
    const failing = new Set(['a']);
    const from = new Map(SESSIONS.map((s) => [s, went.get(s)!.length]));
    for (let i = 0; i < 6; i++) for (const s of SESSIONS) request(s, failing);
    for (const s of SESSIONS) {
      const since = went.get(s)!.slice(from.get(s));
      // One provider for all six requests since, whichever router served them.
      expect(new Set(since).size).toBe(1);
      if (onA.includes(s)) expect(since[0]).not.toBe('a');
      else expect(since[0]).toBe(before.get(s));
    }
    // a's sessions spread over the three left, not all onto one.
    expect(new Set(onA.map((s) => latest().get(s))).size).toBe(3);
  });

  it('move them the same way when the agent reports the breaker open, and back once it closes', () => {
    const { routers, request, latest } = fleet();
    for (const s of SESSIONS) request(s);
    const before = latest();
    const open = [create(ProviderStateSchema, { name: 'b', healthy: true, breaker: BreakerState.OPEN, retryAfterMs: 30_000 })];
    for (const r of routers) r.book.updateFromAgent(open);
    for (let i = 0; i < 2; i++) for (const s of SESSIONS) request(s);
    const during = latest();
    for (const s of SESSIONS) {
      if (before.get(s) === 'b') expect(during.get(s)).not.toBe('b');
      else expect(during.get(s)).toBe(before.get(s));
    }
    const closed = [create(ProviderStateSchema, { name: 'b', healthy: true, breaker: BreakerState.CLOSED })];
    for (const r of routers) r.book.updateFromAgent(closed);
    for (let i = 0; i < 2; i++) for (const s of SESSIONS) request(s);
    expect(latest()).toEqual(before);
  });

  it('bring a ramping provider the same sessions back on both routers, a growing share of them', () => {
    const { clock, request, latest } = fleet();
    for (const s of SESSIONS) request(s);
    const home = latest();
    const onC = SESSIONS.filter((s) => home.get(s) === 'c');
    for (let i = 0; i < 2; i++) for (const s of SESSIONS) request(s, new Set(['c']));
    clock.advance(15_000 + 2_000); // the cooldown, then half the ramp
    const back = () => onC.filter((s) => [request(s), request(s)].every((p) => p === 'c')).length;
    const half = back();
    expect(half).toBeGreaterThan(0);
    expect(half).toBeLessThan(onC.length);
    clock.advance(2_000);
    expect(back()).toBe(onC.length);
  });
});

import { create } from '@bufbuild/protobuf';
import { Outcome } from '@ultra/contracts/chat';
import { BreakerState, ProviderStateSchema } from '@ultra/contracts/provider-agent';
import { createSeededRandom, ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import type { Candidate } from '../candidates.ts';
import { DEFAULT_OUTLIER } from './outlier.ts';
import { createProviderBook } from './provider-book.ts';
import { createSelector } from './selector.ts';
import { createStrategy } from './strategy.ts';

const PROVIDERS = ['a', 'b', 'c', 'd'];
const tiers: Candidate[][] = [PROVIDERS.map((provider) => ({ provider, model: 'm', tier: 'primary' }))];
const SESSIONS = Array.from({ length: 20 }, (_, i) => `session-${i}`);

function setup() {
  const clock = new ManualClock(1_000_000);
  const random = createSeededRandom(3);
  const book = createProviderBook([{ name: 'primary', providers: PROVIDERS }], { clock, outlier: DEFAULT_OUTLIER, cooldownMs: 15_000, rampMs: 4_000 });
  const selector = createSelector({ book, strategy: createStrategy('round-robin', { random, weights: {}, explore: 0 }), random, sticky: true, panicThreshold: 0.5 });
  /** Where each session's requests went, in order. */
  const went = new Map<string, string[]>();
  /** One request of `session`: the first candidate that does not fail answers it, and keeps the session. */
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
      went.set(session, [...(went.get(session) ?? []), c.provider]);
      return c.provider;
    }
    throw new Error('every candidate failed');
  };
  /** Sessions per provider, by each session's latest provider. */
  const spread = () => {
    const counts: Record<string, number> = {};
    for (const list of went.values()) counts[list.at(-1)!] = (counts[list.at(-1)!] ?? 0) + 1;
    return counts;
  };
  return { book, request, went, spread };
}

/** Asserts every session stayed on one provider, and the sessions are spread within ±1 over `over`. */
function expectSpread(counts: Record<string, number>, over: readonly string[], sessions: number) {
  expect(Object.keys(counts).sort()).toEqual([...over].sort());
  expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(sessions);
  expect(Math.max(...Object.values(counts)) - Math.min(...Object.values(counts))).toBeLessThanOrEqual(1);
}

describe('sticky sessions with round-robin', () => {
  for (const length of [1, 3, 10]) {
    it(`spread new sessions within ±1 over the tier, one after another, ${length} request(s) each`, () => {
      const { request, went, spread } = setup();
      for (const s of SESSIONS) for (let i = 0; i < length; i++) request(s);
      for (const list of went.values()) expect(new Set(list).size).toBe(1);
      expectSpread(spread(), PROVIDERS, SESSIONS.length);
    });

    it(`spread sessions that run at the same time within ±1, ${length} request(s) each`, () => {
      const { request, went, spread } = setup();
      for (let i = 0; i < length; i++) for (const s of SESSIONS) request(s);
      for (const list of went.values()) expect(new Set(list).size).toBe(1);
      expectSpread(spread(), PROVIDERS, SESSIONS.length);
    });
  }

  it('re-spread the sessions of a provider whose calls fail over the providers left', () => {
    const { request, went, spread } = setup();
    for (const s of SESSIONS) for (let i = 0; i < 4; i++) request(s);
    const onA = SESSIONS.filter((s) => went.get(s)!.at(-1) === 'a');
    expect(onA).toHaveLength(5);
    const failing = new Set(['a']);
    for (const s of SESSIONS) for (let i = 0; i < 3; i++) request(s, failing);
    // The five of a went to three different providers (2, 2, 1), not all to one.
    expect(new Set(onA.map((s) => went.get(s)!.at(-1))).size).toBe(3);
    expectSpread(spread(), ['b', 'c', 'd'], SESSIONS.length);
    // The sessions that were elsewhere did not move.
    for (const s of SESSIONS.filter((x) => !onA.includes(x))) expect(new Set(went.get(s)).size).toBe(1);
  });

  it('re-spread them the same way when the agent reports the breaker open', () => {
    const { book, request, went, spread } = setup();
    for (const s of SESSIONS) for (let i = 0; i < 2; i++) request(s);
    book.updateFromAgent([create(ProviderStateSchema, { name: 'b', healthy: true, breaker: BreakerState.OPEN, retryAfterMs: 30_000 })]);
    for (const s of [...SESSIONS].reverse()) request(s);
    expectSpread(spread(), ['a', 'c', 'd'], SESSIONS.length);
    expect(Object.values(spread()).sort()).toEqual([6, 7, 7]);
  });

  it('keep new sessions alternating while pinned sessions keep asking', () => {
    const { request } = setup();
    const firsts: string[] = [];
    for (let i = 0; i < 8; i++) {
      firsts.push(request(`new-${i}`));
      for (let j = 0; j < i + 1; j++) request('new-0'); // a long, busy session
    }
    expect(firsts).toEqual(['a', 'b', 'c', 'd', 'a', 'b', 'c', 'd']);
  });
});

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

const TIERS = [
  { name: 'primary', providers: ['openai', 'anthropic'] },
  { name: 'secondary', providers: ['google', 'cohere'] },
];
const candidates: Candidate[][] = TIERS.map((t) => t.providers.map((provider) => ({ provider, model: 'm', tier: t.name })));

function setup(opts: { sticky?: boolean; cooldownMs?: number; rampMs?: number } = {}) {
  const clock = new ManualClock(1_000_000);
  const random = createSeededRandom(7);
  const book = createProviderBook(TIERS, { clock, outlier: DEFAULT_OUTLIER, cooldownMs: opts.cooldownMs ?? 300_000, rampMs: opts.rampMs ?? 60_000 });
  const selector = createSelector({
    book,
    strategy: createStrategy('round-robin', { random, weights: {}, explore: 0 }),
    random,
    sticky: opts.sticky ?? false,
    panicThreshold: 0.5,
  });
  const order = (session = '') => {
    const s = selector.select(candidates, session, clock.now());
    return s.kind === 'ok' ? s.order.map((c) => c.provider) : [];
  };
  const selection = () => selector.select(candidates, '', clock.now());
  return { clock, book, selector, order, selection };
}

describe('tier fall-through', () => {
  it('uses the primary tier first, round-robin, with the secondary as failover candidates', () => {
    const { order } = setup();
    expect(order()).toEqual(['openai', 'anthropic', 'google', 'cohere']);
    expect(order()).toEqual(['anthropic', 'openai', 'cohere', 'google']);
  });

  it('goes to the secondary tier only when every primary is unavailable', () => {
    const { book, order } = setup();
    book.updateFromAgent([create(ProviderStateSchema, { name: 'openai', healthy: true, breaker: BreakerState.OPEN, retryAfterMs: 5000 })]);
    expect(order()[0]).toBe('anthropic');
    book.updateFromAgent([create(ProviderStateSchema, { name: 'anthropic', healthy: false, breaker: BreakerState.CLOSED, detail: 'probe failed' })]);
    // anthropic is unhealthy: last resort; openai's breaker is open: left out.
    const o = order();
    expect(o.slice(0, 2).sort()).toEqual(['cohere', 'google']);
    expect(o.slice(2)).toEqual(['anthropic']);
  });

  it('answers RESOURCE_EXHAUSTED-style with the soonest retry when every provider is rate-limited', () => {
    const { book, selection } = setup();
    book.record('openai', Outcome.RATE_LIMITED, 10, 30_000);
    book.record('anthropic', Outcome.RATE_LIMITED, 10, 5_000);
    book.record('google', Outcome.RATE_LIMITED, 10, 20_000);
    book.record('cohere', Outcome.RATE_LIMITED, 10, 12_000);
    expect(selection()).toMatchObject({ kind: 'none', reason: 'rate-limited', retryAfterMs: 5_000 });
  });
});

describe('sticky sessions', () => {
  it('keep a session on its provider while it is available, move it to its next one when not, and back', () => {
    const { book, order } = setup({ sticky: true });
    const home = order('s1')[0]!;
    for (let i = 0; i < 4; i++) expect(order('s1')[0]).toBe(home);
    book.updateFromAgent([create(ProviderStateSchema, { name: home, healthy: true, breaker: BreakerState.OPEN, retryAfterMs: 1000 })]);
    const next = order('s1')[0]!;
    expect(next).not.toBe(home);
    for (let i = 0; i < 4; i++) expect(order('s1')[0]).toBe(next);
    book.updateFromAgent([create(ProviderStateSchema, { name: home, healthy: true, breaker: BreakerState.CLOSED })]);
    for (let i = 0; i < 4; i++) expect(order('s1')[0]).toBe(home);
  });

  it('are off unless configured', () => {
    const { selector, order } = setup({ sticky: false });
    selector.pin('s1', 'anthropic');
    expect([order('s1')[0], order('s1')[0]]).toEqual(['openai', 'anthropic']);
  });
});

describe('cooldown and gradual return', () => {
  it('sends no normal traffic during the cooldown, then ramps back linearly', () => {
    const { clock, book, order } = setup({ cooldownMs: 300_000, rampMs: 100_000 });
    book.failedOverFrom('openai');
    for (let i = 0; i < 10; i++) expect(order()[0]).toBe('anthropic');
    clock.advance(299_999);
    expect(order().slice(0, 1)).toEqual(['anthropic']);
    clock.advance(1 + 25_000); // a quarter into the ramp
    let first = 0;
    for (let i = 0; i < 2000; i++) if (order()[0] === 'openai') first++;
    // round-robin would give openai half the first places; at a quarter share, about 1/8
    expect(first / 2000).toBeGreaterThan(0.08);
    expect(first / 2000).toBeLessThan(0.17);
    clock.advance(75_000);
    expect(book.standing('openai')).toEqual({ kind: 'available' });
  });
});

describe('outlier ejection', () => {
  it('ejects after consecutive failures for a time that grows with each ejection', () => {
    const { clock, book } = setup();
    for (let i = 0; i < 5; i++) book.record('openai', Outcome.SERVER_ERROR, 10);
    expect(book.standing('openai')).toEqual({ kind: 'ejected', until: clock.now() + 30_000 });
    clock.advance(30_000);
    for (let i = 0; i < 5; i++) book.record('openai', Outcome.SERVER_ERROR, 10);
    expect(book.standing('openai')).toEqual({ kind: 'ejected', until: clock.now() + 60_000 });
  });

  it('ejects a provider whose success rate falls well below its peers', () => {
    const { book } = setup();
    for (let i = 0; i < 30; i++) {
      book.record('anthropic', Outcome.OK, 10);
      book.record('openai', i % 2 === 0 ? Outcome.OK : Outcome.SERVER_ERROR, 10);
    }
    expect(book.standing('openai').kind).toBe('ejected');
    expect(book.standing('anthropic').kind).toBe('available');
  });

  it('never ejects more than the set share of a tier, and client errors do not count', () => {
    const { book } = setup();
    for (let i = 0; i < 5; i++) book.record('openai', Outcome.SERVER_ERROR, 10);
    for (let i = 0; i < 5; i++) book.record('anthropic', Outcome.SERVER_ERROR, 10);
    expect(book.standing('openai').kind).toBe('ejected');
    expect(book.standing('anthropic').kind).toBe('available');
    for (let i = 0; i < 10; i++) book.record('google', Outcome.BAD_REQUEST, 10);
    expect(book.standing('google').kind).toBe('available');
  });

  it('in panic spreads load over ejected providers instead of crushing the last one standing', () => {
    const { book, order } = setup();
    for (let i = 0; i < 5; i++) book.record('openai', Outcome.SERVER_ERROR, 10);
    book.updateFromAgent([create(ProviderStateSchema, { name: 'anthropic', healthy: false, breaker: BreakerState.CLOSED })]);
    // primary: openai ejected, anthropic unhealthy → 0 of 2 up, below the 50 % panic threshold
    expect(order()[0]).toBe('openai');
  });
});

describe('latency outliers', () => {
  it('eject a provider whose latency is over 3 × its tier’s fastest and 500 ms more, whatever the strategy; judged afresh when back', () => {
    const { book, order, clock } = setup();
    for (let i = 0; i < 5; i++) {
      book.record('openai', Outcome.OK, 250);
      book.record('anthropic', Outcome.OK, 250);
    }
    expect(book.standing('openai').kind).toBe('available');
    // A crawl: 10× its first-token time. The moving average (weight 0.2) is 700 ms after
    // the first slow answer, 1060 ms (over 3 × 250 ms) after the second.
    book.record('openai', Outcome.OK, 2_500);
    expect(book.standing('openai').kind).toBe('available');
    book.record('openai', Outcome.OK, 2_500);
    expect(book.standing('openai')).toEqual({ kind: 'ejected', until: clock.now() + 30_000 });
    expect(order()).toEqual(['anthropic', 'google', 'cohere', 'openai']); // a last resort only
    clock.advance(30_000);
    expect(book.standing('openai').kind).toBe('available');
    // Back and healthy: its old average is forgotten, so fast answers do not eject it again.
    for (let i = 0; i < 5; i++) book.record('openai', Outcome.OK, 260);
    expect(book.standing('openai').kind).toBe('available');
  });

  it('leave fast providers alone: 3 ms against 1 ms is no outlier', () => {
    const { book } = setup();
    for (let i = 0; i < 10; i++) {
      book.record('openai', Outcome.OK, 1);
      book.record('anthropic', Outcome.OK, 30);
    }
    expect(book.standing('anthropic').kind).toBe('available');
  });
});

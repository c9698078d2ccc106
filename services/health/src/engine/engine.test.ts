import { Mode } from '@ultra/contracts/chat';
import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createModeEngine } from './engine.ts';
import { DEFAULT_RULES, evaluate, type Observation } from './rules.ts';

const obs = (healthy: Record<string, boolean>, extra: Partial<Observation> = {}): Observation => ({
  tiers: ['primary', 'secondary'],
  providers: Object.entries(healthy).map(([name, h]) => ({ name, healthy: h, tier: name === 'a' || name === 'b' ? 'primary' : 'secondary' })),
  services: [{ name: 'cache', serving: true }],
  ...extra,
});
const ALL = { a: true, b: true, c: true, d: true };

describe('mode rules', () => {
  it('NORMAL when all is well', () => expect(evaluate(DEFAULT_RULES, obs(ALL))).toEqual({ mode: Mode.NORMAL, reason: '' }));
  it('DEGRADED for one provider down, a service down, Redis down, errors, latency or queue depth', () => {
    expect(evaluate(DEFAULT_RULES, obs({ ...ALL, c: false }))).toEqual({ mode: Mode.DEGRADED, reason: '3 of 4 providers healthy' });
    expect(evaluate(DEFAULT_RULES, obs(ALL, { services: [{ name: 'cache', serving: false }] })).reason).toBe('not serving: cache');
    expect(evaluate(DEFAULT_RULES, obs(ALL, { redisUp: false })).reason).toBe('Redis is unreachable');
    expect(evaluate(DEFAULT_RULES, obs(ALL, { errorRatio: 0.5 })).reason).toBe('error ratio 50 %');
    expect(evaluate(DEFAULT_RULES, obs(ALL, { latencyP99Ms: 45_000 })).reason).toBe('p99 latency 45000 ms');
    expect(evaluate(DEFAULT_RULES, obs(ALL, { queueDepth: 5000 })).reason).toBe('5000 jobs queued');
  });
  it('CRITICAL when the first tier is down or half the providers are', () => {
    expect(evaluate(DEFAULT_RULES, obs({ a: false, b: false, c: true, d: true }))).toEqual({
      mode: Mode.CRITICAL,
      reason: 'every provider of tier primary is down',
    });
    expect(evaluate(DEFAULT_RULES, obs({ a: true, b: false, c: false, d: false })).mode).toBe(Mode.CRITICAL);
  });
  it('OUTAGE when no provider is healthy', () => {
    expect(evaluate(DEFAULT_RULES, obs({ a: false, b: false, c: false, d: false }))).toEqual({ mode: Mode.OUTAGE, reason: 'no provider is healthy' });
  });
});

describe('mode engine', () => {
  const engine = (recoverAfter = 3) => {
    const clock = new ManualClock(0);
    return { clock, e: createModeEngine({ rules: DEFAULT_RULES, clock, recoverAfter }) };
  };

  it('starts UNSPECIFIED, and takes the first mode computed as it is: no recovery run, no change in the history', () => {
    const { e } = engine(3);
    expect(e.current()).toMatchObject({ mode: Mode.UNSPECIFIED, reason: /^starting/ });
    e.observe(obs({ ...ALL, a: false }));
    expect(e.current().mode).toBe(Mode.DEGRADED);
    expect(e.history()).toEqual([]);
    const fresh = engine(3).e;
    fresh.observe(obs(ALL));
    expect(fresh.current()).toMatchObject({ mode: Mode.NORMAL, reason: '' });
  });

  it('steps down at once and back up only after a run of healthy evaluations', () => {
    const { e } = engine(3);
    e.observe(obs(ALL));
    e.observe(obs({ a: false, b: false, c: false, d: false }));
    expect(e.current().mode).toBe(Mode.OUTAGE);
    e.observe(obs(ALL));
    e.observe(obs(ALL));
    expect(e.current().mode).toBe(Mode.OUTAGE);
    expect(e.current().reason).toContain('recovering: 2 of 3');
    e.observe(obs(ALL));
    expect(e.current().mode).toBe(Mode.NORMAL);
    expect(e.history().map((h) => [h.from, h.to])).toEqual([
      [Mode.NORMAL, Mode.OUTAGE],
      [Mode.OUTAGE, Mode.NORMAL],
    ]);
  });

  it('does not flap under a component that alternates every check', () => {
    const { e } = engine(3);
    e.observe(obs(ALL));
    for (let i = 0; i < 50; i++) e.observe(obs({ ...ALL, a: i % 2 === 1 }));
    expect(e.current().mode).toBe(Mode.DEGRADED);
    expect(e.history()).toHaveLength(1);
  });

  it('counts only checks (the timer) towards a recovery: evaluations on a change step down but do not shorten the run', () => {
    const { e } = engine(3);
    e.observe(obs(ALL));
    e.observe(obs({ ...ALL, a: false }), 'change');
    expect(e.current().mode).toBe(Mode.DEGRADED);
    for (let i = 0; i < 10; i++) e.observe(obs(ALL), 'change');
    expect(e.current().mode).toBe(Mode.DEGRADED);
    e.observe(obs(ALL));
    e.observe(obs(ALL));
    e.observe(obs(ALL));
    expect(e.current().mode).toBe(Mode.NORMAL);
  });

  it('a provider whose link goes down and up every 4 checks moves the mode at most twice, then holds it down until it has been steady', () => {
    const { e } = engine(3);
    e.observe(obs(ALL));
    // 8 s of a link flapping every second, checked every 250 ms (the chaos matrix's flapping-provider)
    for (let i = 0; i < 32; i++) e.observe(obs({ ...ALL, a: Math.floor(i / 4) % 2 === 1 }));
    expect(e.history().map((h) => h.to)).toEqual([Mode.DEGRADED, Mode.NORMAL, Mode.DEGRADED]);
    expect(e.current().reason).toMatch(/recovering: \d+ of \d+ healthy checks; \d+, not 3, as the mode flapped lately/);
    let checks = 0;
    while (e.current().mode !== Mode.NORMAL && checks < 100) {
      e.observe(obs(ALL));
      checks++;
    }
    expect(checks).toBeGreaterThan(3);
    expect(checks).toBeLessThanOrEqual(12);
    expect(e.history()).toHaveLength(4);
  });

  it('without flaps, an outage a while after a recovery recovers after recover_after checks again', () => {
    const { e } = engine(3);
    e.observe(obs(ALL));
    e.observe(obs({ ...ALL, a: false }));
    for (let i = 0; i < 3; i++) e.observe(obs(ALL));
    expect(e.current().mode).toBe(Mode.NORMAL);
    for (let i = 0; i < 12; i++) e.observe(obs(ALL));
    e.observe(obs({ ...ALL, a: false }));
    for (let i = 0; i < 3; i++) e.observe(obs(ALL));
    expect(e.current().mode).toBe(Mode.NORMAL);
  });

  it('a pin holds the mode until it expires by itself', () => {
    const { e, clock } = engine(1);
    e.pin(Mode.CRITICAL, 60_000, 'maintenance');
    e.observe(obs(ALL));
    expect(e.current()).toMatchObject({ mode: Mode.CRITICAL, reason: 'pinned by an operator: maintenance', pinnedUntil: 60_000 });
    clock.advance(60_000);
    expect(e.current().mode).toBe(Mode.NORMAL);
    expect(e.current().pinnedUntil).toBeUndefined();
    e.pin(Mode.OUTAGE, 10_000, 'drill');
    e.unpin();
    expect(e.current().mode).toBe(Mode.NORMAL);
  });
});

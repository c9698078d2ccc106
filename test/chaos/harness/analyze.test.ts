import { describe, expect, it } from 'vitest';
import { analyze } from './analyze.ts';
import { atLeast, atMost, atMostIfAny } from './bounds.ts';
import type { Observations } from './observers.ts';
import type { Scenario } from './scenario.ts';
import type { Sample } from './send.ts';
import { parseAttempts, quantile } from './stats.ts';

const scenario = (over: Partial<Scenario> = {}): Scenario => ({
  name: 't',
  title: 't',
  fault: 'f',
  expect: 'e',
  inject: async () => async () => undefined,
  bounds: [],
  ...over,
});

/** One request every 100 ms from 0 to `until`, each taking `latency(t)` and ok per `ok(t)`. */
function samples(until: number, latency: (t: number) => number, ok: (t: number) => boolean, provider: (t: number) => string = () => 'anthropic'): Sample[] {
  const out: Sample[] = [];
  for (let t = 0, i = 0; t < until; t += 100, i++) {
    out.push({ i, sentAt: t, latencyMs: latency(t), status: ok(t) ? 200 : 503, ok: ok(t), stream: false, repeat: false, mode: 'NORMAL', provider: provider(t) });
  }
  return out;
}

const noObs: Observations = { providers: [], modes: [], sim: [] };
const times = { faultAt: 1_000, clearAt: 2_000, endAt: 5_000 };

describe('chaos figures', () => {
  it('counts a request in flight when the fault began as part of the fault, not the baseline', () => {
    const xs = samples(5_000, (t) => (t === 900 ? 3_000 : 10), () => true);
    const f = analyze(scenario(), xs, noObs, times);
    expect(f.before.requests).toBe(9); // 0..800; 900 was still in flight at 1000
    expect(f.before.p99).toBe(10);
    expect(f.during.requests).toBe(11);
    expect(f.during.max).toBe(3_000);
  });

  it('recovers at the first clean window after the last bad one, and not when the bad ones go on to the end', () => {
    const good = analyze(scenario(), samples(5_000, () => 10, (t) => t < 1_000 || t >= 2_500), noObs, times);
    expect(good.clientRecoveryMs).toBe(500);
    expect(good.recoveryMs).toBe(500);
    const never = analyze(scenario(), samples(5_000, () => 10, (t) => t < 1_000 || t < 4_500), noObs, times);
    expect(never.recoveryMs).toBeUndefined();
  });

  it('waits for the target to answer again before calling it recovered', () => {
    const xs = samples(5_000, () => 10, () => true, (t) => (t >= 3_000 && t % 200 === 0 ? 'openai' : 'anthropic'));
    const f = analyze(scenario({ target: 'openai' }), xs, noObs, times);
    expect(f.clientRecoveryMs).toBe(0);
    expect(f.backInRotationMs).toBe(1_000);
    expect(f.recoveryMs).toBe(1_000);
  });

  it('takes the breaker opening over probes for isolation, and counts calls after it from the simulator', () => {
    const obs: Observations = {
      providers: [
        { t: 1_300, name: 'openai', breaker: 'CLOSED', healthy: false, detail: '' },
        { t: 1_500, name: 'openai', breaker: 'OPEN', healthy: false, detail: '' },
      ],
      modes: [
        { t: 0, mode: 'NORMAL', reason: '' },
        { t: 1_400, mode: 'DEGRADED', reason: '' },
        { t: 3_000, mode: 'NORMAL', reason: '' },
      ],
      sim: [
        { t: 1_400, providers: { openai: { requests: 50, probes: 10, faults: 0 } } },
        { t: 2_100, providers: { openai: { requests: 55, probes: 12, faults: 0 } } },
      ],
    };
    const f = analyze(scenario({ target: 'openai', countCallsBy: 'simulator' }), samples(5_000, () => 10, () => true), obs, times);
    expect(f.isolation).toEqual({ ms: 500, how: 'breaker open' });
    expect(f.callsAfterIsolation).toEqual({ count: 3, source: 'simulator' });
    expect(f.modeChanges).toEqual(['NORMAL→DEGRADED', 'DEGRADED→NORMAL']);
  });

  it('counts calls after isolation from the attempts when the link is cut (the agent turning a call away is not a call)', () => {
    const xs = samples(5_000, () => 10, () => true);
    xs[15]!.attempts = 'openai:connection:2ms,anthropic:ok:5ms';
    xs[16]!.attempts = 'openai:unavailable:0ms,anthropic:ok:5ms';
    const obs: Observations = { ...noObs, providers: [{ t: 1_200, name: 'openai', breaker: 'CLOSED', healthy: false, detail: '' }] };
    const f = analyze(scenario({ target: 'openai', countCallsBy: 'attempts' }), xs, obs, times);
    expect(f.callsAfterIsolation).toEqual({ count: 1, source: 'attempts' });
  });
});

describe('chaos bounds and statistics', () => {
  const f = analyze(scenario(), samples(5_000, () => 10, () => true), noObs, times);
  it('judges figures against limits and fails a missing figure unless told otherwise', () => {
    expect(atLeast('s', (x) => x.during.success, 0.99).check(f)).toEqual({ ok: true, actual: '100.0 % (limit ≥ 99.0 %)' });
    expect(atMost('p', (x) => x.during.p99, (x) => (x.before.p99 ?? 0) + 5).check(f)).toEqual({ ok: true, actual: '10 ms (limit ≤ 15 ms)' });
    expect(atMost('m', () => undefined, 1).check(f).ok).toBe(false);
    expect(atMostIfAny('m', () => undefined, 1).check(f).ok).toBe(true);
  });
  it('takes quantiles by nearest rank and reads x-ultra-attempts', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile(Array.from({ length: 100 }, (_, i) => i + 1), 0.99)).toBe(99);
    expect(quantile([], 0.5)).toBeUndefined();
    expect(parseAttempts('openai:timeout:2001ms,anthropic:ok:9ms')).toEqual([
      { provider: 'openai', outcome: 'timeout', ms: 2001 },
      { provider: 'anthropic', outcome: 'ok', ms: 9 },
    ]);
  });
});

import type { Bound, Figures } from './scenario.ts';

type Unit = 'pct' | 'ms' | 'count';
type Limit = number | ((f: Figures) => number);

const show = (v: number, unit: Unit) =>
  unit === 'pct' ? `${(v * 100).toFixed(1)} %` : unit === 'ms' ? `${Math.round(v)} ms` : String(Math.round(v * 100) / 100);

function compare(label: string, get: (f: Figures) => number | undefined, op: '≥' | '≤', limit: Limit, unit: Unit, missing: 'fail' | 'pass'): Bound {
  return {
    label,
    check(f) {
      const v = get(f);
      const lim = typeof limit === 'number' ? limit : limit(f);
      if (v === undefined) return { ok: missing === 'pass', actual: `n/a (limit ${show(lim, unit)})` };
      const ok = op === '≥' ? v >= lim : v <= lim;
      return { ok, actual: `${show(v, unit)} (limit ${op} ${show(lim, unit)})` };
    },
  };
}

/** `get(f)` must be at least `min`; a missing figure fails. */
export const atLeast = (label: string, get: (f: Figures) => number | undefined, min: Limit, unit: Unit = 'pct') => compare(label, get, '≥', min, unit, 'fail');

/** `get(f)` must be at most `max`; a missing figure fails (use {@link atMostIfAny} where it may be missing). */
export const atMost = (label: string, get: (f: Figures) => number | undefined, max: Limit, unit: Unit = 'ms') => compare(label, get, '≤', max, unit, 'fail');

/** Like {@link atMost}, but a missing figure (the event never happened) passes. */
export const atMostIfAny = (label: string, get: (f: Figures) => number | undefined, max: Limit, unit: Unit = 'ms') => compare(label, get, '≤', max, unit, 'pass');

/** Bounds shared by most scenarios: the baseline was clean, the fault is gone by the end, nothing lost. */
export const common = {
  baselineClean: atLeast('success before the fault = 100 %', (f) => f.before.success, 1),
  successAfter: (min = 0.99) => atLeast(`success after the fault ≥ ${min * 100} %`, (f) => f.after.success, min),
  recovers: (maxMs: number) => atMost(`recovered within ${maxMs / 1000} s of the fault's removal`, (f) => f.recoveryMs, maxMs),
  noSilentTruncation: atMost('streams cut without an error event = 0', (f) => f.during.silentTruncations + f.after.silentTruncations, 0, 'count'),
  noJobLost: atMostIfAny('jobs lost = 0 (when the queue exists)', (f) => f.jobs.lost, 0, 'count'),
  /** The router waits at most 250 ms on a cache lookup and 250 ms on a store, so a cache or Redis fault adds at most ~500 ms. */
  cacheWaitsBounded: atMost('p99 during ≤ baseline p99 + 500 ms (the router waits ≤ 250 ms on lookup and on store)', (f) => f.during.p99, (f) => (f.before.p99 ?? 0) + 500),
  /** p99 during the fault stays under the request deadline (5 s) plus a margin. */
  deadlineHeld: atMost('p99 during ≤ deadline 5 s + 1 s', (f) => f.during.p99, 6_000),
};

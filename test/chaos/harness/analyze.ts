import type { JobFigures } from './jobs.ts';
import type { Observations, SimPoint } from './observers.ts';
import { SETTLE_MS, type Figures, type Scenario } from './scenario.ts';
import type { Sample } from './send.ts';
import { parseAttempts, phaseFigures, quantile } from './stats.ts';

/** Clean samples after the last unclean one must span at least this long to count as recovered, ms. */
const SETTLED_MS = 1_000;

/** Times of one run, ms since its start. */
export interface RunTimes {
  faultAt: number;
  clearAt: number;
  endAt: number;
}

const OPEN = new Set(['OPEN', 'FORCED_OPEN', 'HALF_OPEN']);

function isolation(obs: Observations, target: string, faultAt: number, clearAt: number): Figures['isolation'] {
  const points = obs.providers.filter((p) => p.name === target && p.t >= faultAt && p.t < clearAt);
  const open = points.find((p) => OPEN.has(p.breaker));
  if (open) return { ms: open.t - faultAt, how: 'breaker open' };
  const sick = points.find((p) => !p.healthy);
  return sick ? { ms: sick.t - faultAt, how: 'unhealthy' } : undefined;
}

const calls = (p: SimPoint | undefined, name: string) => {
  const s = p?.providers[name];
  return s ? s.requests - s.probes : 0;
};

function callsAfter(scenario: Scenario, samples: readonly Sample[], obs: Observations, from: number, to: number): Figures['callsAfterIsolation'] {
  const target = scenario.target!;
  if (scenario.countCallsBy === 'attempts') {
    const count = samples
      .filter((s) => s.sentAt >= from && s.sentAt < to)
      .flatMap((s) => parseAttempts(s.attempts))
      .filter((a) => a.provider === target && a.outcome !== 'unavailable').length;
    return { count, source: 'attempts' };
  }
  // Counted generously: from the last poll before isolation to the first poll after the fault ended.
  const atStart = obs.sim.filter((p) => p.t <= from).at(-1);
  const atEnd = obs.sim.find((p) => p.t >= to) ?? obs.sim.at(-1);
  return { count: calls(atEnd, target) - calls(atStart, target), source: 'simulator' };
}

/** Width of the windows recovery is judged in, ms. */
const WINDOW_MS = 500;

/**
 * Clients are served as before from the first half-second window after which every
 * window has every request ok, in mode NORMAL, with a median latency within
 * max(2 × baseline p50, baseline p50 + 300 ms). The median, not the tail, so that one
 * slow request on a busy machine does not move the figure.
 */
function recovery(scenario: Scenario, samples: readonly Sample[], f: Pick<Figures, 'before'>, t: RunTimes) {
  const base = f.before.p50 ?? 0;
  const ceiling = Math.max(2 * base, base + 300);
  const after = samples.filter((s) => s.sentAt >= t.clearAt);
  const windows: { start: number; clean: boolean }[] = [];
  for (let start = t.clearAt; start < t.endAt; start += WINDOW_MS) {
    const xs = after.filter((s) => s.sentAt >= start && s.sentAt < start + WINDOW_MS);
    if (xs.length === 0) continue;
    const median = quantile(
      xs.map((s) => s.latencyMs),
      0.5,
    )!;
    windows.push({ start, clean: median <= ceiling && xs.every((s) => s.ok && (s.mode ?? 'NORMAL') === 'NORMAL') });
  }
  const lastBad = windows.findLastIndex((w) => !w.clean);
  let clientRecoveryMs: number | undefined;
  if (lastBad === -1) clientRecoveryMs = 0;
  else {
    const next = windows[lastBad + 1];
    if (next && t.endAt - next.start >= SETTLED_MS) clientRecoveryMs = next.start - t.clearAt;
  }
  const back = scenario.backWhen ?? (scenario.target ? (s: Sample) => s.ok && s.provider === scenario.target : undefined);
  const backSample = back ? [...after].sort((a, b) => a.sentAt - b.sentAt).find(back) : undefined;
  const backInRotationMs = back ? (backSample ? backSample.sentAt - t.clearAt : undefined) : 0;
  const recoveryMs = clientRecoveryMs === undefined || backInRotationMs === undefined ? undefined : Math.max(clientRecoveryMs, backInRotationMs);
  return { clientRecoveryMs, backInRotationMs: back ? backInRotationMs : undefined, recoveryMs };
}

const collapse = (xs: readonly string[]) => xs.filter((x, i) => i === 0 || xs[i - 1] !== x);

/** Turns a run's samples and observations into the figures its bounds judge. */
export function analyze(scenario: Scenario, samples: readonly Sample[], obs: Observations, t: RunTimes, jobs?: JobFigures): Figures {
  // By send time, except that a request still in flight when the fault began belongs to
  // the fault, not to the baseline.
  const phase = (s: Sample) => (s.sentAt >= t.clearAt ? 'after' : s.sentAt >= t.faultAt || s.sentAt + s.latencyMs > t.faultAt ? 'during' : 'before');
  const before = phaseFigures(samples.filter((s) => phase(s) === 'before'), 0, Infinity);
  const during = phaseFigures(samples.filter((s) => phase(s) === 'during'), 0, Infinity);
  const after = phaseFigures(samples.filter((s) => phase(s) === 'after'), 0, Infinity);
  const settleAt = t.faultAt + SETTLE_MS;
  const settled = phaseFigures(samples.filter((s) => phase(s) === 'during'), settleAt, t.clearAt);
  const iso = scenario.target ? isolation(obs, scenario.target, t.faultAt, t.clearAt) : undefined;
  const modeAtFault = obs.modes.filter((m) => m.t < t.faultAt).at(-1)?.mode ?? 'NORMAL';
  const modes = [modeAtFault, ...obs.modes.filter((m) => m.t >= t.faultAt).map((m) => m.mode)];
  const modeChanges = collapse(modes).slice(1).map((to, i, arr) => `${i === 0 ? modeAtFault : arr[i - 1]}→${to}`);
  const deferred = samples.filter((s) => s.status === 202).length;
  return {
    before,
    during,
    settled,
    after,
    isolation: iso,
    callsSettled: scenario.target && settleAt < t.clearAt ? callsAfter(scenario, samples, obs, settleAt, t.clearAt) : undefined,
    callsAfterIsolation: scenario.target && iso ? callsAfter(scenario, samples, obs, t.faultAt + iso.ms, t.clearAt) : undefined,
    ...recovery(scenario, samples, { before }, t),
    modeChanges,
    clientModes: collapse(
      [...samples]
        .sort((a, b) => a.sentAt + a.latencyMs - (b.sentAt + b.latencyMs))
        .flatMap((s) => (s.mode ? [s.mode] : [])),
    ),
    jobs: !jobs ? { deferred, lost: undefined } : jobs.unavailable ? { deferred, unavailable: jobs.unavailable, lost: undefined } : { ...jobs, deferred },
  };
}

import { readFileSync } from 'node:fs';

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) read here. */
interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }>;
  /** Start and end, in µs on the monotonic clock (CLOCK_MONOTONIC on Linux). */
  startTime: number;
  endTime: number;
  /** The node id on top of the stack at each sample. */
  samples: number[];
  /** µs since the previous sample (the first: since startTime). */
  timeDeltas: number[];
}

/** Time spent in one function (all its nodes together). */
export interface FunctionTime {
  /** `name where`, as one key. */
  fn: string;
  /** The function's name, `(anonymous)` or a V8 pseudo-frame such as `(garbage collector)`. */
  name: string;
  /** A repo-relative file, a package file with line, or `node:…` with line; empty for V8's own frames. */
  where: string;
  /** Where it lives: `router`, `@connectrpc/connect`, `node:http2`, `(gc)`... */
  group: string;
  selfMs: number;
  /** Share of the window's samples with this function on top, in %. */
  selfPct: number;
  /** Share of samples with this function anywhere on the stack, in %. */
  totalPct: number;
}

export interface ProfileSummary {
  /** The time window summarised, in ms, and the samples in it. */
  windowMs: number;
  samples: number;
  /** Share of the window the process was busy (not idle), in %. */
  busyPct: number;
  topSelf: FunctionTime[];
  /** Functions of the repository itself by time on the stack (inclusive). */
  topOwnInclusive: FunctionTime[];
  /** Self time by group (package or service), in %. */
  groups: Array<{ group: string; selfPct: number }>;
  /** Inclusive share of samples matching each suspect of the hot path, in %. */
  suspects: Array<{ name: string; pct: number; matched: string[] }>;
}

/** What to look for on the hot path: a name, and a test on a function's group and name. */
export interface Suspect {
  name: string;
  test: (group: string, fnName: string, url: string) => boolean;
}

// Compiled code (dist/) counts as the repository's own too: bench:versus runs the build.
const REPO = /\/(services|libs)\/([^/]+)\/(src|dist)\/(.*)$/;

function groupOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return url;
  const mod = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (mod) return mod[1]!;
  const own = REPO.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  return url.replace(/^file:\/\//, '');
}

function where(url: string, line: number): string {
  if (url === '') return '';
  const own = REPO.exec(url);
  // tsx hands V8 transformed code, whose line numbers do not match the source: name the file only.
  if (own) return `${own[1]}/${own[2]}/${own[3]}/${own[4]}${own[3] === 'dist' ? `:${line + 1}` : ''}`;
  const mod = /node_modules\/(.*)$/.exec(url);
  if (mod) return `${mod[1]}:${line + 1}`;
  return `${url}:${line + 1}`;
}

/**
 * Summarises a `.cpuprofile`: self time per function (each sample's duration is the
 * gap to the next one), inclusive time per function of the repository, self time by
 * package, and the share of samples under each suspect. Only samples between
 * `fromUs` and `toUs` (monotonic µs, as `process.hrtime` gives) count when given, so
 * that start-up and shutdown stay out.
 */
export function summarizeProfile(file: string, suspects: readonly Suspect[], window?: { fromUs: number; toUs: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = new Map<number, string>();
  const info = new Map<string, { group: string; url: string; name: string; where: string; self: number; total: number }>();
  for (const n of profile.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    const name = functionName || '(anonymous)';
    const at = where(url, lineNumber);
    const key = `${name} ${at}`.trim();
    keyOf.set(n.id, key);
    if (!info.has(key)) info.set(key, { group: groupOf(url, name), url, name, where: at, self: 0, total: 0 });
  }
  const stamps: number[] = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) stamps.push((t += d));
  const useWindow = window !== undefined && stamps.some((s) => s >= window.fromUs && s <= window.toUs);
  let windowUs = 0;
  let count = 0;
  let idle = 0;
  const suspectHits = suspects.map(() => 0);
  const suspectNames = suspects.map(() => new Set<string>());
  for (let i = 0; i < profile.samples.length; i++) {
    const at = stamps[i]!;
    if (useWindow && (at < window.fromUs || at > window.toUs)) continue;
    const dur = (i + 1 < stamps.length ? stamps[i + 1]! : profile.endTime) - at;
    windowUs += dur;
    count++;
    const top = profile.samples[i]!;
    const topInfo = info.get(keyOf.get(top)!)!;
    topInfo.self += dur;
    if (topInfo.name === '(idle)') idle += dur;
    const seen = new Set<string>();
    const hit = suspects.map(() => false);
    for (let id: number | undefined = top; id !== undefined; id = parent.get(id)) {
      const key = keyOf.get(id)!;
      if (seen.has(key)) continue;
      seen.add(key);
      const fi = info.get(key)!;
      fi.total += dur;
      suspects.forEach((s, k) => {
        if (!hit[k] && s.test(fi.group, fi.name, fi.url)) {
          hit[k] = true;
          suspectNames[k]!.add(key);
        }
      });
    }
    hit.forEach((h, k) => h && (suspectHits[k]! += dur));
  }
  const pct = (us: number) => (windowUs > 0 ? (100 * us) / windowUs : 0);
  const rows = [...info.entries()].map(([fn, v]) => ({ fn, name: v.name, where: v.where, group: v.group, selfMs: v.self / 1000, selfPct: pct(v.self), totalPct: pct(v.total) }));
  const groups = new Map<string, number>();
  for (const v of info.values()) groups.set(v.group, (groups.get(v.group) ?? 0) + v.self);
  return {
    windowMs: windowUs / 1000,
    samples: count,
    busyPct: 100 - pct(idle),
    topSelf: rows.filter((r) => r.name !== '(idle)').sort((x, y) => y.selfMs - x.selfMs).slice(0, 30),
    topOwnInclusive: rows
      .filter((r) => r.group.startsWith('services/') || r.group.startsWith('libs/'))
      .sort((x, y) => y.totalPct - x.totalPct)
      .slice(0, 30),
    groups: [...groups.entries()]
      .filter(([g]) => g !== '(idle)')
      .map(([group, us]) => ({ group, selfPct: pct(us) }))
      .sort((x, y) => y.selfPct - x.selfPct)
      .slice(0, 20),
    suspects: suspects.map((s, k) => ({ name: s.name, pct: pct(suspectHits[k]!), matched: [...suspectNames[k]!].slice(0, 6) })),
  };
}

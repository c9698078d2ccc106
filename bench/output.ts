import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { repoPath } from '@ultra/testkit';
import type { ProfileSummary } from './lib/cpu-profile.ts';
import { barChartSvg } from './lib/svg.ts';
import { tableMarkdown } from './lib/table.ts';
import { chartRows, machineLine, othersLine, type Results } from './report.ts';
import { tables } from './report-tables.ts';

const README_BEGIN = '<!-- bench:begin (written by npm run bench; edit around it) -->';
const README_END = '<!-- bench:end -->';
const PROFILE_BEGIN = '<!-- bench:profile:begin (written by npm run bench) -->';
const PROFILE_END = '<!-- bench:profile:end -->';

function write(path: string, text: string): string {
  const file = repoPath(path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return path;
}

/** Replaces what lies between two marker lines of a file; false when the markers are missing. */
function replaceBlock(path: string, begin: string, end: string, body: string): boolean {
  const file = repoPath(path);
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return false;
  writeFileSync(file, `${text.slice(0, i + begin.length)}\n${body}\n${text.slice(j)}`);
  return true;
}

/** The results as JSON (Infinity/NaN as null). */
export function writeJson(path: string, r: Results): string {
  return write(path, `${JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
}

export function writeChart(path: string, r: Results): string {
  const c16 = r.miss.find((m) => m.concurrency === 16);
  const subtitle = [
    machineLine(r.machine),
    `${r.mode} run; load generator on the same machine${c16 ? `; simulator alone: p50 ${c16.direct.p50.toFixed(2)} ms, p99 ${c16.direct.p99.toFixed(2)} ms at c=16` : ''}`,
  ];
  // The issue's targets, as dashed lines.
  const marks = {
    'Added by the router, cache miss (full chain)': [
      { label: 'p50 ≤ 1', ms: 1 },
      { label: 'p99 ≤ 5', ms: 5 },
    ],
    'Cache hit, whole round trip at the client': [{ label: 'local p50 ≤ 0.5', ms: 0.5 }],
  };
  return write(path, barChartSvg('Ultra: latency added per path (ms, log scale)', subtitle, chartRows(r), marks));
}

/** The README's benchmark block: machine, tables, links. */
export function updateReadme(r: Results): boolean {
  const body = [
    `Latest full run: ${machineLine(r.machine)}; the load generator on the same machine; ${othersLine(r)}; ${r.durationS.toFixed(0)} s in all.`,
    '',
    ...tables(r).flatMap((t) => [tableMarkdown(t), '']),
    '![latency added per path](reports/bench-latency.svg)',
  ].join('\n');
  return replaceBlock('README.md', README_BEGIN, README_END, body);
}

const pct = (v: number) => `${v.toFixed(1)}%`;

/** The generated part of reports/bench-profile.md: the profile's figures, no judgement. */
export function profileMarkdown(s: ProfileSummary, context: string): string {
  const out = [
    context,
    '',
    `Window: ${(s.windowMs / 1000).toFixed(1)} s, ${s.samples.toLocaleString('en-US')} samples; the router was busy ${pct(s.busyPct)} of it (the rest idle, waiting on I/O).`,
    '',
    '**Top functions by self time** (share of all samples in the window)',
    '',
    '| function | where | self | on stack |',
    '|---|---|---:|---:|',
    ...s.topSelf.slice(0, 25).map((f) => `| \`${f.name}\` | ${f.where || f.group} | ${pct(f.selfPct)} | ${pct(f.totalPct)} |`),
    '',
    '**Self time by package or module**',
    '',
    '| group | self |',
    '|---|---:|',
    ...s.groups.map((g) => `| ${g.group} | ${pct(g.selfPct)} |`),
    '',
    '**Suspects: share of samples with a matching frame anywhere on the stack**',
    '',
    '| suspect | on stack | e.g. |',
    '|---|---:|---|',
    ...s.suspects.map((x) => `| ${x.name} | ${pct(x.pct)} | ${x.matched.slice(0, 3).map((m) => `\`${m}\``).join(', ')} |`),
    '',
    "**The repository's own functions by time on the stack (inclusive)**",
    '',
    'A CPU profile holds synchronous stacks only: work that runs after an `await` (most of each RPC) is attributed to `runMicrotasks`, not to the function that awaited it, so these shares are lower bounds.',
    '',
    '| function | where | on stack | self |',
    '|---|---|---:|---:|',
    ...s.topOwnInclusive.slice(0, 25).map((f) => `| \`${f.name}\` | ${f.where} | ${pct(f.totalPct)} | ${pct(f.selfPct)} |`),
  ];
  return out.join('\n');
}

/** Writes the generated block of the profile report, creating the file around it when missing. */
export function writeProfile(path: string, s: ProfileSummary, context: string): string {
  const body = profileMarkdown(s, context);
  if (!replaceBlock(path, PROFILE_BEGIN, PROFILE_END, body)) {
    write(path, `# Router hot-path profile\n\n${PROFILE_BEGIN}\n${body}\n${PROFILE_END}\n`);
  }
  return path;
}

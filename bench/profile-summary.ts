import { parseArgs } from 'node:util';
import { summarizeProfile } from './lib/cpu-profile.ts';
import { SUSPECTS } from './phases/profile.ts';

/**
 * Prints the summary of any `.cpuprofile` (e.g. of the agent or the cache, started with
 * `--cpu-prof`): `node --import tsx bench/profile-summary.ts FILE [--top 30]`.
 */
const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '30' } }, allowPositionals: true });
const file = positionals[0];
if (!file) {
  console.error('usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top N]');
  process.exit(2);
}
const top = Number(values.top);
const s = summarizeProfile(file, SUSPECTS);
const pct = (v: number) => `${v.toFixed(1).padStart(5)}%`;
console.log(`${(s.windowMs / 1000).toFixed(1)} s, ${s.samples} samples, busy ${s.busyPct.toFixed(0)}%\n\nself   stack  function`);
for (const f of s.topSelf.slice(0, top)) console.log(`${pct(f.selfPct)} ${pct(f.totalPct)}  ${f.fn}`);
console.log('\nself by group');
for (const g of s.groups) console.log(`${pct(g.selfPct)}  ${g.group}`);
console.log('\nsuspects (on stack)');
for (const x of s.suspects) console.log(`${pct(x.pct)}  ${x.name}`);
console.log('\nown code (on stack, self)');
for (const f of s.topOwnInclusive.slice(0, top)) console.log(`${pct(f.totalPct)} ${pct(f.selfPct)}  ${f.fn}`);

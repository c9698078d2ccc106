import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '@ultra/testkit';
import { closedLoop } from '../lib/closed-loop.ts';
import { summarizeProfile } from '../lib/cpu-profile.ts';
import { createHttpClient } from '../lib/http-client.ts';
import { readCpuMs, readMemory, spawnService } from '../lib/processes.ts';
import { createRecorder, summarize } from '../lib/samples.ts';
import { SUSPECTS } from '../phases/profile.ts';
import { OTEL, SERVICES, chat, forkCompiled, ultraConfig } from './contenders.ts';

const USAGE = `usage: node --import tsx --conditions=ultra-source bench/versus/profile.ts [--topology single|split] [--prof SERVICE] [--seconds 20] [--concurrency 16] [--no-prof] [--flags="..."]

Ultra's compiled build in one topology (as bench:versus starts it: one process, or one per
service) under cache-miss load from the simulator. Prints req/s, the c=1 p50, CPU per
request of each process, peak RSS and, unless --no-prof, the summary of one process's
--cpu-prof (the one process of single; in split the service named by --prof, router by
default). The profile file stays in a temp folder. With --heap-snapshot, a heap snapshot of
the profiled process right after the load, in the same folder.`;

const { values } = parseArgs({
  options: {
    topology: { type: 'string', default: 'single' },
    prof: { type: 'string', default: 'router' },
    seconds: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
    'no-prof': { type: 'boolean', default: false },
    flags: { type: 'string', default: '' },
    'heap-snapshot': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const topology = values.topology;
if (topology !== 'single' && topology !== 'split') throw new Error(`--topology: ${topology} is neither single nor split`);
if (!SERVICES.some(([n]) => n === values.prof)) throw new Error(`--prof: ${values.prof} is not one of ${SERVICES.map(([n]) => n).join(', ')}`);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const profDir = mkdtempSync(join(tmpdir(), 'ultra-single-prof-'));
const prof = values['no-prof'] ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval=250'];
const extra = values.flags.split(' ').filter((f) => f !== '');
const heap = values['heap-snapshot'] ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${profDir}`] : [];

const simPort = await freePort();
const sim = spawnService('simulator', 'libs/provider-sim/src/main.ts', ['--host', '127.0.0.1', '--port', String(simPort)], { readyLine: /listening on/ });
await sim.ready;
const cfg = await ultraConfig(simPort);
const flagsFor = (name: string) => (topology === 'single' || name === values.prof ? [...OTEL, ...prof, ...heap, ...extra] : [...OTEL, ...extra]);
const procs =
  topology === 'single'
    ? [{ name: 'single', ...forkCompiled('libs/cli/dist/serve-main.js', [...SERVICES.map(([n]) => n), '--config', cfg.file], flagsFor('single')) }]
    : SERVICES.map(([name, entry]) => ({ name, ...forkCompiled(entry, ['--config', cfg.file], flagsFor(name)) }));
await Promise.all(procs.map((p) => p.ready));
const profiled = procs.find((p) => p.name === 'single' || p.name === values.prof)!;
const pids = procs.map((p) => p.proc.pid!);
const cpuAll = () => pids.map((pid) => readCpuMs(pid) ?? 0);
const client = createHttpClient(`http://127.0.0.1:${cfg.http}`, concurrency);
const body = chat('chat');
let n = 0;
const run = Date.now().toString(36);
const fire = async () => {
  const res = await client.request('POST', '/v1/chat/completions', body(`miss ${run} ${n++}`), {});
  if (res.status !== 200) throw new Error(`HTTP ${res.status} ${res.body.toString().slice(0, 200)}`);
  if (res.headers['x-ultra-served-from'] !== 'provider') throw new Error('not a miss');
};
await closedLoop(fire, { concurrency: 4, total: 2_000, ok: createRecorder() });
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, pids.reduce((sum, pid) => sum + (readMemory(pid)?.rssMb ?? 0), 0))), 250);
const cpu0 = cpuAll();
const c1 = createRecorder();
await closedLoop(fire, { concurrency: 1, durationMs: 2_000, ok: c1 });
const fromUs = Number(process.hrtime.bigint() / 1000n);
const many = await closedLoop(fire, { concurrency, durationMs: seconds * 1000, ok: createRecorder() });
const toUs = Number(process.hrtime.bigint() / 1000n);
clearInterval(sampler);
const cpuMs = cpuAll().map((ms, i) => ms - cpu0[i]!);
client.close();
if (heap.length > 0) {
  process.kill(profiled.proc.pid!, 'SIGUSR2');
  // (the snapshot is written synchronously on the process's main thread; it is done when the file stops growing)
  for (let last = -1; ; ) {
    await new Promise((r) => setTimeout(r, 1_000));
    const snap = readdirSync(profDir).find((f) => f.endsWith('.heapsnapshot'));
    const size = snap ? statSync(join(profDir, snap)).size : -1;
    if (snap && size > 0 && size === last) {
      console.log(`heap snapshot ${join(profDir, snap)} (${(size / 2 ** 20).toFixed(0)} MB)`);
      break;
    }
    last = size;
  }
}
await Promise.all(
  procs.map((p) => {
    const exited = new Promise((r) => p.proc.once('exit', r));
    p.proc.kill('SIGTERM');
    return exited;
  }),
);
sim.proc.kill('SIGKILL');
const rps = (many.completed * 1000) / many.elapsedMs;
console.log(`c=1 p50 ${summarize(c1.sorted()).p50.toFixed(2)} ms; c=${concurrency}: ${many.completed} requests, ${rps.toFixed(0)} req/s, errors ${many.errors} ${many.errorSamples.slice(0, 2).join('; ')}`);
const perRequest = (ms: number) => (ms / (many.completed + c1.count)).toFixed(3);
const each = procs.length > 1 ? ` (${procs.map((p, i) => `${p.name} ${perRequest(cpuMs[i]!)}`).join(', ')})` : '';
console.log(`CPU ${perRequest(cpuMs.reduce((a, b) => a + b, 0))} ms per request${each}, c=1 and c=${concurrency} together; peak RSS ${peak.toFixed(0)} MB, all processes`);
if (prof.length > 0) {
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${profDir}`);
  const s = summarizeProfile(join(profDir, file), SUSPECTS, { fromUs, toUs });
  const pct = (v: number) => `${v.toFixed(1).padStart(5)}%`;
  console.log(`profile ${join(profDir, file)}: ${(s.windowMs / 1000).toFixed(1)} s, busy ${s.busyPct.toFixed(0)}%\n\nself   stack  function`);
  for (const f of s.topSelf.slice(0, 45)) console.log(`${pct(f.selfPct)} ${pct(f.totalPct)}  ${f.fn}`);
  console.log('\nself by group');
  for (const g of s.groups.slice(0, 30)) console.log(`${pct(g.selfPct)}  ${g.group}`);
  console.log('\nsuspects (on stack)');
  for (const x of s.suspects) console.log(`${pct(x.pct)}  ${x.name}`);
  console.log('\nown code (on stack, self)');
  for (const f of s.topOwnInclusive.slice(0, 45)) console.log(`${pct(f.totalPct)} ${pct(f.selfPct)}  ${f.fn}`);
}

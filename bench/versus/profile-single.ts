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

const USAGE = `usage: node --import tsx --conditions=ultra-source bench/versus/profile-single.ts [--seconds 20] [--concurrency 16] [--no-prof] [--flags="..."]

Ultra's compiled build in topology single (one process, as bench:versus starts it) under
cache-miss load from the simulator; with --cpu-prof unless --no-prof. Prints req/s, CPU
per request, peak RSS and the profile's summary (the profile file stays in a temp folder).
With --heap-snapshot, a heap snapshot of the process right after the load, in the same folder.`;

const { values } = parseArgs({
  options: {
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
const one = forkCompiled('libs/cli/dist/serve-main.js', [...SERVICES.map(([n]) => n), '--config', cfg.file], [...OTEL, ...prof, ...heap, ...extra]);
await one.ready;
const pid = one.proc.pid!;
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
const sampler = setInterval(() => (peak = Math.max(peak, readMemory(pid)?.rssMb ?? 0)), 250);
const cpu0 = readCpuMs(pid) ?? 0;
const c1 = createRecorder();
await closedLoop(fire, { concurrency: 1, durationMs: 2_000, ok: c1 });
const fromUs = Number(process.hrtime.bigint() / 1000n);
const many = await closedLoop(fire, { concurrency, durationMs: seconds * 1000, ok: createRecorder() });
const toUs = Number(process.hrtime.bigint() / 1000n);
clearInterval(sampler);
const cpuMs = (readCpuMs(pid) ?? 0) - cpu0;
client.close();
if (heap.length > 0) {
  process.kill(pid, 'SIGUSR2');
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
const exited = new Promise((r) => one.proc.once('exit', r));
one.proc.kill('SIGTERM');
await exited;
sim.proc.kill('SIGKILL');
const rps = (many.completed * 1000) / many.elapsedMs;
console.log(`c=1 p50 ${summarize(c1.sorted()).p50.toFixed(2)} ms; c=${concurrency}: ${many.completed} requests, ${rps.toFixed(0)} req/s, errors ${many.errors} ${many.errorSamples.slice(0, 2).join('; ')}`);
console.log(`CPU ${(cpuMs / (many.completed + c1.count)).toFixed(3)} ms per request (c=1 and c=${concurrency} together), peak RSS ${peak.toFixed(0)} MB`);
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

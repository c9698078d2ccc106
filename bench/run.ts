import { mkdtempSync, readFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createContext, n, type BenchContext } from './context.ts';
import { closedLoop } from './lib/closed-loop.ts';
import { idleBaseline } from './lib/idle-baseline.ts';
import { cpuSnapshot, machineBusyMs } from './lib/memory-watch.ts';
import { promptOf } from './lib/paths.ts';
import { createRecorder } from './lib/samples.ts';
import { startBenchStack, type BenchStack } from './lib/stack.ts';
import { tableText } from './lib/table.ts';
import { updateReadme, writeChart, writeJson, writeProfile } from './output.ts';
import { failoverPhase } from './phases/failover.ts';
import { hedgingPhase } from './phases/hedging.ts';
import { hitsPhase } from './phases/hits.ts';
import { loadPhase } from './phases/load.ts';
import { missPhase } from './phases/miss.ts';
import { profilePhase } from './phases/profile.ts';
import { rpcPhase } from './phases/rpc.ts';
import { soakPhase } from './phases/soak.ts';
import { streamPhase } from './phases/stream.ts';
import { FULL, QUICK } from './plan.ts';
import { machine, machineLine, othersLine, targets, type Results } from './report.ts';
import { tables } from './report-tables.ts';

const PHASES = ['miss', 'stream', 'hits', 'rpc', 'soak', 'profile', 'failover', 'hedging', 'load'] as const;
type PhaseName = (typeof PHASES)[number];

const USAGE = `npm run bench [-- --quick] [--only miss,stream,hits,rpc,soak,profile,failover,hedging,load]
  (no flag)  the full run (under 10 minutes): writes reports/bench.json, reports/bench-latency.svg,
             reports/bench-profile.md and the README's benchmark table
  --quick    small counts (under 2 minutes): writes reports/bench-quick.json and reports/bench-quick-latency.svg only
  --only     run only these phases (files written as for the mode, README left alone)
  --render F prints the tables of a results file again and rewrites its chart (and, for a full run, the README block)`;

/** Tables, chart and README block again from a results file, without running anything (after a change of format). */
function render(file: string): void {
  const results = JSON.parse(readFileSync(file, 'utf8')) as Results;
  for (const t of tables(results)) console.log(`${tableText(t)}\n`);
  const prefix = results.mode === 'quick' ? 'reports/bench-quick' : 'reports/bench';
  const written = [writeChart(`${prefix}-latency.svg`, results)];
  if (results.mode === 'full' && updateReadme(results)) written.push('README.md (benchmark block)');
  console.log(`wrote ${written.join(', ')}`);
}

/** Waits until both routers answer in NORMAL mode (the health service has seen every component). */
async function untilNormal(ctx: BenchContext): Promise<void> {
  const deadline = performance.now() + 45_000;
  for (let i = 0; ; i++) {
    const modes = await Promise.all(
      [ctx.stack.a.http, ctx.stack.b.http].map(async (port) => {
        const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-ultra-cache': 'no-store' },
          body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `ready? ${i}` }] }),
        });
        await res.arrayBuffer();
        return res.headers.get('x-ultra-mode');
      }),
    );
    if (modes.every((m) => m === 'NORMAL')) return;
    if (performance.now() > deadline) throw new Error(`the routers are in mode ${modes.join(', ')} after 45 s, not NORMAL`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Every path over and over, to warm the JIT, the connection pools and the caches. */
async function warmUp(ctx: BenchContext): Promise<void> {
  const { runId } = ctx;
  const hot = promptOf(`${runId}-hot`);
  const p = (kind: string, i: number) => promptOf(`${runId}-w${kind}${i}`);
  const kinds = [
    (i: number) => ctx.direct.http(p('d', i)),
    (i: number) => ctx.a.http(p('h', i), 'provider'),
    (i: number) => ctx.a.grpc(p('g', i), 'provider'),
    (i: number) => ctx.b.http(p('bh', i), 'provider'),
    (i: number) => ctx.b.grpc(p('bg', i), 'provider'),
    () => ctx.a.http(hot, 'any'),
    () => ctx.a.grpc(hot, 'any'),
    (i: number) => ctx.direct.httpStream(p('sd', i)),
    (i: number) => ctx.a.httpStream(p('sh', i)),
    (i: number) => ctx.a.grpcStream(p('sg', i)),
    () => ctx.a.floorHttp(),
    () => ctx.a.floorGrpc(),
  ];
  const { requests, maxMs } = ctx.plan.warmup;
  const r = await closedLoop((i) => kinds[i % kinds.length]!(Math.floor(i / kinds.length)), { concurrency: 16, total: requests, durationMs: maxMs, ok: createRecorder(requests) });
  ctx.log(`warm-up: ${n(r.completed)} requests over every path in ${(r.elapsedMs / 1000).toFixed(1)} s, ${r.errors} errors${r.errors ? `: ${r.errorSamples[0]}` : ''}`);
}

let stack: BenchStack | undefined;
const stop = async () => {
  const s = stack;
  stack = undefined;
  await s?.stop().catch(() => undefined);
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, render: { type: 'string' }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values.render) {
    render(values.render);
    return;
  }
  const only = values.only?.split(',').map((s) => s.trim()) ?? [...PHASES];
  const unknown = only.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length > 0) {
    console.error(`bench: unknown phase(s) ${unknown.join(', ')} (phases: ${PHASES.join(', ')})\n${USAGE}`);
    process.exit(2);
  }
  const plan = values.quick ? QUICK : FULL;
  const want = (p: PhaseName) => only.includes(p);
  const started = performance.now();
  const m = machine();
  console.log(`Ultra bench (${plan.mode}): ${machineLine(m)}`);
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  stack = await startBenchStack({ profileDir: want('profile') ? mkdtempSync(join(tmpdir(), 'ultra-bench-prof-')) : undefined });
  const ctx = createContext(plan, stack, started);
  ctx.log(`started simulator, redis, cache ×2, agent, health, router ×${stack.profiled ? '3 (one profiled)' : '2'} (pids ${[...ctx.pids()].map(([k, v]) => `${k} ${v}`).join(', ')})`);
  const phaseSeconds: Record<string, number> = {};
  const phasePeaks: Record<string, Record<string, number>> = {};
  // Everything else the machine does meanwhile shows as busy CPU that is not ours.
  const ours = () => {
    const all = new Map(ctx.pids());
    if (stack?.profiled) all.set('profiled', stack.profiled.process.pid);
    return Object.values(cpuSnapshot(all)).reduce((a, b) => a + b, 0);
  };
  const cpuAtStart = { machine: machineBusyMs(), ours: ours(), at: performance.now() };
  const notes: string[] = [];
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
    const t = performance.now();
    ctx.memory.startPhase();
    try {
      return await fn();
    } catch (e) {
      const msg = `${name} phase failed: ${e instanceof Error ? e.message : String(e)}`;
      ctx.log(msg);
      notes.push(msg);
      return undefined;
    } finally {
      phaseSeconds[name] = (performance.now() - t) / 1000;
      phasePeaks[name] = ctx.memory.phasePeaks();
    }
  };
  const tNormal = performance.now();
  await untilNormal(ctx);
  ctx.log(`both routers answer in NORMAL mode (waited ${((performance.now() - tNormal) / 1000).toFixed(1)} s)`);
  await timed('warmup', () => warmUp(ctx));
  const miss = want('miss') ? await timed('miss', () => missPhase(ctx)) : undefined;
  const stream = want('stream') ? await timed('stream', () => streamPhase(ctx)) : undefined;
  const hits = want('hits') ? await timed('hits', () => hitsPhase(ctx)) : undefined;
  const rpc = want('rpc') ? await timed('rpc', () => rpcPhase(ctx)) : undefined;
  const soak = want('soak') ? await timed('soak', () => soakPhase(ctx)) : undefined;
  const profile = want('profile') ? await timed('profile', () => profilePhase(ctx)) : undefined;
  const failover = want('failover') ? await timed('failover', () => failoverPhase(ctx)) : undefined;
  const hedging = want('hedging') ? await timed('hedging', () => hedgingPhase(ctx)) : undefined;
  const load = want('load') ? await timed('load', () => loadPhase(ctx)) : undefined;
  const cpuAtEnd = { machine: machineBusyMs(), ours: ours(), at: performance.now() };
  const wallS = (cpuAtEnd.at - cpuAtStart.at) / 1000;
  const machineCpu = {
    wallS,
    busyCpuS: (cpuAtEnd.machine - cpuAtStart.machine) / 1000,
    oursCpuS: (cpuAtEnd.ours - cpuAtStart.ours) / 1000,
    othersCpuS: (cpuAtEnd.machine - cpuAtStart.machine - (cpuAtEnd.ours - cpuAtStart.ours)) / 1000,
  };
  const baseline = await idleBaseline().catch(() => ({ node: Number.NaN, nodeTsx: Number.NaN }));
  const memory = { peakUnderLoad: ctx.memory.peaks(), highWater: ctx.memory.highWater(), idle: baseline, byPhase: phasePeaks };
  ctx.memory.stop();
  ctx.direct.close();
  ctx.a.close();
  ctx.b.close();
  await stop();
  m.loadAverage.end = os.loadavg()[0]!;
  const base: Omit<Results, 'targets'> = {
    machine: m,
    mode: plan.mode,
    durationS: (performance.now() - started) / 1000,
    phaseSeconds,
    machineCpu,
    miss: miss ?? [],
    stream: stream ?? [],
    hits: hits ?? [],
    rpc: rpc ?? [],
    soak: soak ?? null,
    memory,
    profile: profile ? { file: profile.file, requests: profile.requests, rps: profile.rps, top: profile.summary.topSelf.slice(0, 15), suspects: profile.summary.suspects } : null,
    failover: failover ?? null,
    hedging: hedging ?? null,
    load: load ?? null,
    notes,
  };
  const results: Results = { ...base, targets: targets(base) };
  console.log(`\n${othersLine(results)}.\n`);
  for (const t of tables(results)) console.log(`${tableText(t)}\n`);
  if (profile) {
    console.log('Router profile, top self time:');
    for (const f of profile.summary.topSelf.slice(0, 12)) console.log(`  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.fn}`);
    console.log('Suspects on the stack:');
    for (const s of profile.summary.suspects) console.log(`  ${s.pct.toFixed(1).padStart(5)}%  ${s.name}`);
    console.log('');
  }
  const prefix = plan.mode === 'quick' ? 'reports/bench-quick' : 'reports/bench';
  const written = [writeJson(`${prefix}.json`, results), writeChart(`${prefix}-latency.svg`, results)];
  if (plan.mode === 'full' && profile) {
    const context = `Router under cache-miss load (half HTTP, half gRPC) at c=${plan.profile.concurrency}, ${n(profile.requests)} requests at ${n(profile.rps)} req/s under the profiler, sampled every 250 µs; ${machineLine(m)}. Raw profile: \`${profile.file}\` (not kept in the repository).`;
    written.push(writeProfile('reports/bench-profile.md', profile.summary, context));
  }
  if (plan.mode === 'full' && only.length === PHASES.length) {
    if (updateReadme(results)) written.push('README.md (benchmark block)');
    else console.log('README.md has no benchmark markers; its table was not updated');
  }
  console.log(`wrote ${written.join(', ')}`);
  console.log(`done in ${results.durationS.toFixed(0)} s (${Object.entries(phaseSeconds).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ')})`);
  if (notes.length > 0) console.log(`notes:\n  ${notes.join('\n  ')}`);
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await stop();
    process.exit(1);
  },
);

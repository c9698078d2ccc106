import { cpus, loadavg, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { repoPath } from '@ultra/testkit';
import { closedLoop } from '../lib/closed-loop.ts';
import { createHttpClient } from '../lib/http-client.ts';
import { readMemory } from '../lib/processes.ts';
import { createRecorder, summarize, type Recorder } from '../lib/samples.ts';
import { startContenders, type Contender } from './contenders.ts';
import { versusReport, type Figures } from './report.ts';

const USAGE = `usage: npm run bench:versus [-- --quick]

Ultra in both topologies side by side with Portkey's gateway, a minimal Node proxy (the
floor) and the simulator alone, every request a cache miss: added p50 one request at a
time, time to the first streamed text, req/s at 16 connections, resident memory under
load and its growth over 100,000 requests (quick: 10,000); and Ultra's local cache hit.
Writes reports/bench-versus.{json,md,svg} (the quick run: *-quick.*) and, for a full run,
the README block between the bench:versus markers.`;

async function main() {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  if (values.help) return console.log(USAGE);
  const quick = values.quick === true;
  const rounds = quick ? 2 : 3;
  const c1Ms = quick ? 1_500 : 3_000;
  const c16Ms = quick ? 3_000 : 6_000;
  const soakTotal = quick ? 10_000 : 100_000;
  const load0 = loadavg()[0]!;
  const { contenders, stop } = await startContenders();
  const run = Date.now().toString(36);
  const rec = new Map<string, { c1: Recorder; ttft: Recorder; hit: Recorder; completed: number; elapsedMs: number; errors: number; peakRssMb: number; errorSamples: Set<string> }>();
  for (const c of contenders) rec.set(c.name, { c1: createRecorder(), ttft: createRecorder(), hit: createRecorder(), completed: 0, elapsedMs: 0, errors: 0, peakRssMb: 0, errorSamples: new Set() });
  const soaks = new Map<string, Soak>();
  let n = 0;
  const fire = (c: Contender, client: ReturnType<typeof createHttpClient>, prompt: () => string, expect: 'provider' | 'cache') => async () => {
    const res = await client.request('POST', c.path, c.body(prompt()), c.headers);
    if (res.status !== 200) throw new Error(`${c.name}: HTTP ${res.status} ${res.body.toString().slice(0, 200)}`);
    if (c.servedFrom && res.headers['x-ultra-served-from'] !== expect) throw new Error(`${c.name}: served from ${String(res.headers['x-ultra-served-from'])}, not ${expect}`);
  };
  try {
    // Warm-up: every contender answers, JIT settles.
    for (const c of contenders) {
      const client = createHttpClient(c.origin, 16);
      await closedLoop(fire(c, client, () => `warm ${run} ${n++}`, 'provider'), { concurrency: 4, total: quick ? 200 : 1_000, ok: createRecorder() });
      client.close();
    }
    for (let r = 0; r < rounds; r++) {
      // The order rotates each round, so what the machine does meanwhile falls on each alike.
      const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]!);
      for (const c of order) {
        const m = rec.get(c.name)!;
        const client = createHttpClient(c.origin, 16);
        const miss = () => `miss ${run} ${c.name} ${n++}`;
        const one = await closedLoop(fire(c, client, miss, 'provider'), { concurrency: 1, durationMs: c1Ms, ok: m.c1 });
        // Time to the first text of a streamed miss, one at a time.
        const streamed = c.noStreaming ? { errors: 0, errorSamples: [] } : await closedLoop(
          async () => {
            const t = await client.stream(c.path, c.body(miss(), true), c.headers);
            if (t.status !== 200 || !Number.isFinite(t.ttftMs)) throw new Error(`${c.name}: stream HTTP ${t.status}, ${t.chunks} text chunks`);
            m.ttft.add(t.ttftMs);
          },
          { concurrency: 1, durationMs: c1Ms / 2, ok: createRecorder() },
        );
        m.errors += streamed.errors;
        for (const e of streamed.errorSamples) m.errorSamples.add(`stream: ${e}`);
        const sampler = setInterval(() => {
          const rss = c.pids.reduce((sum, pid) => sum + (readMemory(pid)?.rssMb ?? 0), 0);
          m.peakRssMb = Math.max(m.peakRssMb, rss);
        }, 250);
        const many = await closedLoop(fire(c, client, miss, 'provider'), { concurrency: 16, durationMs: c16Ms, ok: createRecorder() });
        clearInterval(sampler);
        m.completed += many.completed;
        m.elapsedMs += many.elapsedMs;
        m.errors += one.errors + many.errors;
        for (const e of [...one.errorSamples, ...many.errorSamples]) m.errorSamples.add(e);
        if (c.servedFrom) {
          const same = `hit ${run} ${c.name}`;
          await fire(c, client, () => same, 'provider')().catch(() => undefined);
          const hits = await closedLoop(fire(c, client, () => same, 'cache'), { concurrency: 1, durationMs: c1Ms / 2, ok: m.hit });
          m.errors += hits.errors;
          for (const e of hits.errorSamples) m.errorSamples.add(`hit: ${e}`);
        }
        client.close();
        console.log(`round ${r + 1}/${rounds} ${c.label.padEnd(24)} c=1 p50 ${summarize(m.c1.sorted()).p50.toFixed(2)} ms, c=16 ${Math.round((many.completed * 1000) / many.elapsedMs)} req/s, peak RSS ${m.peakRssMb.toFixed(0)} MB, errors ${m.errors}`);
      }
    }
    // Growth: many misses in a row at 16 connections, resident memory after the first tenth
    // (warm) against the end.
    for (const c of contenders.filter((k) => k.name === 'single' || k.name === 'split' || k.name === 'portkey')) {
      const client = createHttpClient(c.origin, 16);
      soaks.set(c.name, await soak(c.pids, soakTotal, (i) => fire(c, client, () => `soak ${run} ${c.name} ${i} ${n++}`, 'provider')()));
      client.close();
      const s = soaks.get(c.name)!;
      console.log(`soak ${c.label.padEnd(24)} ${s.requests.toLocaleString('en')} requests: RSS ${s.warmRssMb.toFixed(0)} MB warm, ${s.endRssMb.toFixed(0)} MB at the end, errors ${s.errors}`);
    }
  } finally {
    await stop();
  }
  const figures: Figures = {
    when: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`,
    load: [load0, loadavg()[0]!],
    quick,
    rounds,
    contenders: contenders.map((c) => {
      const m = rec.get(c.name)!;
      return {
        name: c.name,
        label: c.label,
        c1P50Ms: summarize(m.c1.sorted()).p50,
        c1Samples: m.c1.count,
        ttftP50Ms: m.ttft.count > 0 ? summarize(m.ttft.sorted()).p50 : undefined,
        soak: soaks.get(c.name),
        hitP50Ms: m.hit.count > 0 ? summarize(m.hit.sorted()).p50 : undefined,
        reqPerSec: (m.completed * 1000) / Math.max(1, m.elapsedMs),
        peakRssMb: c.pids.length > 0 ? m.peakRssMb : undefined,
        processes: c.pids.length,
        errors: m.errors,
        errorSamples: [...m.errorSamples].slice(0, 3),
        noStreaming: c.noStreaming,
      };
    }),
  };
  const out = versusReport(figures);
  const suffix = quick ? '-quick' : '';
  writeFileSync(repoPath(`reports/bench-versus${suffix}.json`), `${JSON.stringify(figures, null, 2)}\n`);
  writeFileSync(repoPath(`reports/bench-versus${suffix}.md`), out.markdown);
  writeFileSync(repoPath(`reports/bench-versus${suffix}.svg`), out.svg);
  if (!quick) out.writeReadme(repoPath('README.md'));
  console.log(`\n${out.markdown}`);
}

interface Soak {
  requests: number;
  warmRssMb: number;
  endRssMb: number;
  errors: number;
}

/** `total` requests at 16 in flight; the processes' resident memory after the first tenth and at the end. */
async function soak(pids: readonly number[], total: number, fire: (i: number) => Promise<unknown>): Promise<Soak> {
  const rss = () => pids.reduce((sum, pid) => sum + (readMemory(pid)?.rssMb ?? 0), 0);
  let warmRssMb = 0;
  let done = 0;
  const result = await closedLoop(
    async (i) => {
      await fire(i);
      if (++done === Math.floor(total / 10)) warmRssMb = rss();
      if (done % (total / 10) === 0) process.stdout.write(`  soak ${Math.round((100 * done) / total)} %\r`);
    },
    { concurrency: 16, total, ok: createRecorder() },
  );
  return { requests: total, warmRssMb, endRssMb: rss(), errors: result.errors };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

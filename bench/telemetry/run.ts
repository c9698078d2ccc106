/**
 * `npm run bench:telemetry [-- --quick]`: what Ultra's tracing costs when telemetry is
 * unset, side by side with the same services built without it, and (for reference) with
 * it on, exporting every span.
 *
 * Three stacks (router, provider-agent, cache, each its own process) share one provider
 * simulator and one health service:
 * - `unset`: the services as `ultra start` runs them (`--import @ultra/telemetry/instrumentation`)
 *   with no `OTEL_*` variable: the SDK is not loaded, the tracing code calls the no-op API;
 * - `untraced`: the same services with `@ultra/telemetry`'s tracing replaced by pass-throughs
 *   and no instrumentation import at all (untraced-hooks.mjs): no SDK and no tracing code;
 * - `exporting`: `OTEL_EXPORTER_OTLP_ENDPOINT` set to a local OTLP/HTTP sink, every trace
 *   sampled and exported.
 * Load is the cache-miss path (a prompt never sent before) through gRPC `Complete`, in
 * blocks that rotate between the stacks round after round, so the machine's noise lands on
 * each alike. The cost is CPU per request summed over the stack's three processes, from
 * /proc; latency and throughput are reported beside it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '@ultra/testkit';
import { cpuSnapshot } from '../lib/memory-watch.ts';
import { createRouterPaths, promptOf, type RouterPaths } from '../lib/paths.ts';
import { spawnService, type BenchProcess } from '../lib/processes.ts';
import { figuresOf, runRounds, type SubjectRun } from '../lib/rounds.ts';
import { median } from '../lib/samples.ts';
import { benchConfig } from '../lib/stack.ts';
import { measureEntryPoints, type EntryCost } from './micro.ts';
import { startSink } from './otlp-sink.ts';
import { VARIANTS, writeReport, type LevelResult, type Variant, type VariantFigures } from './report.ts';

const USAGE = `npm run bench:telemetry [-- --quick]
  --quick   small counts (about a minute): checks that it works; writes reports/bench-telemetry-quick.json`;

const SERVICES = ['router', 'agent', 'cache'] as const;

interface Level {
  concurrency: number;
  rounds: number;
  perBlock: number;
  blockMs: number;
}
const FULL: Level[] = [
  { concurrency: 16, rounds: 20, perBlock: 500, blockMs: 8_000 },
  { concurrency: 1, rounds: 20, perBlock: 120, blockMs: 4_000 },
];
const QUICK: Level[] = [
  { concurrency: 16, rounds: 2, perBlock: 100, blockMs: 3_000 },
  { concurrency: 1, rounds: 2, perBlock: 20, blockMs: 2_000 },
];

/** The environment without any OTEL_* variable of the caller's. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_')) env[k] = v;
  return env;
}

async function main() {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const levels = values.quick ? QUICK : FULL;
  const started = Date.now();
  const load0 = loadavg()[0]!;
  const sink = await startSink();
  const procs = new Map<string, BenchProcess>();
  const base = cleanEnv();
  const spawn = (name: string, entry: string, args: string[], env: NodeJS.ProcessEnv, execArgv: string[]) => {
    const p = spawnService(name, entry, args, { env: { ...base, ULTRA_LOG_LEVEL: 'warn', ...env }, execArgv, readyLine: /listening on/ });
    procs.set(name, p);
    return p;
  };
  const instrumentation = ['--import', import.meta.resolve('@ultra/telemetry/instrumentation')];
  const untraced = ['--import', new URL('./untraced-register.mjs', import.meta.url).href];
  const execArgvOf: Record<Variant, string[]> = { unset: instrumentation, untraced, twin: untraced, exporting: instrumentation };
  const envOf: Record<Variant, NodeJS.ProcessEnv> = {
    unset: {},
    untraced: {},
    twin: {},
    exporting: {
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_TRACES_SAMPLER: 'always_on',
      // JSON so that the sink can count the spans; flushed every 500 ms
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '500',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
    },
  };
  const paths = new Map<Variant, RouterPaths>();
  try {
    process.stdout.write('timing the tracing entry points in process … ');
    const entries = await measureEntryPoints(values.quick);
    console.log(entries.map((e) => `${e.name.split(' ')[0]} ${e.unsetNs.toFixed(0)} ns vs ${e.untracedNs.toFixed(0)} ns`).join(', '));
    const shared = { agent: 0, health: await freePort(), simulator: await freePort() };
    process.stdout.write('starting the simulator, a health service and three stacks (router, agent, cache) … ');
    await spawn('simulator', 'libs/provider-sim/src/main.ts', ['--host', '127.0.0.1', '--port', String(shared.simulator)], {}, []).ready;
    const dir = mkdtempSync(join(tmpdir(), 'ultra-bench-telemetry-'));
    const starting: Promise<void>[] = [];
    for (const v of VARIANTS) {
      const ports = { grpc: await freePort(), http: await freePort(), cache: await freePort() };
      const config = join(dir, `${v}.yaml`);
      writeFileSync(config, benchConfig(ports, { ...shared, agent: await freePort() }));
      if (v === 'unset') starting.push(spawn('health', 'services/health/src/main.ts', ['--config', config], {}, instrumentation).ready);
      starting.push(spawn(`cache-${v}`, 'services/cache/src/main.ts', ['--config', config], envOf[v], execArgvOf[v]).ready);
      starting.push(spawn(`agent-${v}`, 'services/provider-agent/src/main.ts', ['--config', config], envOf[v], execArgvOf[v]).ready);
      starting.push(spawn(`router-${v}`, 'services/router/src/main.ts', ['--config', config], envOf[v], execArgvOf[v]).ready);
      paths.set(v, createRouterPaths(ports, 64));
    }
    await Promise.all(starting);
    console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const pids = new Map([...procs].map(([name, p]) => [name, p.pid]));
    const cpu = () => cpuSnapshot(pids);
    const stackCpu = (run: SubjectRun, v: Variant) => SERVICES.reduce((sum, s) => sum + (run.cpuMs[`${s}-${v}`] ?? 0), 0);
    let seq = 0;
    let sentToExporting = 0;
    const subjects = VARIANTS.map((v) => ({
      name: v,
      fire: () => {
        if (v === 'exporting') sentToExporting++;
        return paths.get(v)!.grpc(promptOf(`tel-${v}-${started}-${seq++}`), 'provider');
      },
    }));

    process.stdout.write('warming up … ');
    await runRounds(subjects, { rounds: 1, perBlock: values.quick ? 50 : 300, concurrency: 8 });
    console.log('done');

    const results: LevelResult[] = [];
    for (const level of levels) {
      // Per round, each stack's CPU per request, to see how steady the ratio is.
      const last = new Map<Variant, { completed: number; cpu: number }>(VARIANTS.map((v) => [v, { completed: 0, cpu: 0 }]));
      const perRound = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
      const runs = await runRounds(subjects, {
        ...level,
        cpu,
        onRound(round, rs) {
          const line: string[] = [];
          for (const r of rs) {
            const v = r.name as Variant;
            const prev = last.get(v)!;
            const now = { completed: r.completed, cpu: stackCpu(r, v) };
            const us = ((now.cpu - prev.cpu) * 1000) / Math.max(1, now.completed - prev.completed);
            perRound.get(v)!.push(us);
            last.set(v, now);
            line.push(`${v} ${us.toFixed(0)} µs/req`);
          }
          console.log(`  c=${level.concurrency} round ${round + 1}/${level.rounds}: ${line.join(', ')}`);
        },
      });
      const figures = Object.fromEntries(
        VARIANTS.map((v) => {
          const run = runs.get(v)!;
          const f = figuresOf(run);
          const stackUs = run.completed > 0 ? (stackCpu(run, v) * 1000) / run.completed : Number.NaN;
          const perService = Object.fromEntries(SERVICES.map((s) => [s, f.cpuUsPerRequest[`${s}-${v}`] ?? 0]));
          return [v, { requests: run.completed, errors: run.errors, errorSamples: run.errorSamples, p50: f.p50, p99: f.p99, rps: f.rps, stackCpuUsPerRequest: stackUs, cpuUsPerRequest: perService }];
        }),
      ) as Record<Variant, VariantFigures>;
      const ratios = (v: Variant) => perRound.get(v)!.map((us, i) => us / perRound.get('untraced')![i]! - 1);
      results.push({
        concurrency: level.concurrency,
        figures,
        overhead: {
          unset: {
            cpu: figures.unset.stackCpuUsPerRequest / figures.untraced.stackCpuUsPerRequest - 1,
            cpuRoundsMedian: median(ratios('unset')),
            cpuRoundsRange: [Math.min(...ratios('unset')), Math.max(...ratios('unset'))],
            p50: figures.unset.p50 / figures.untraced.p50 - 1,
            rps: figures.untraced.rps / figures.unset.rps - 1,
          },
          twin: {
            cpu: figures.twin.stackCpuUsPerRequest / figures.untraced.stackCpuUsPerRequest - 1,
            cpuRoundsMedian: median(ratios('twin')),
            p50: figures.twin.p50 / figures.untraced.p50 - 1,
            rps: figures.untraced.rps / figures.twin.rps - 1,
          },
          exporting: {
            cpu: figures.exporting.stackCpuUsPerRequest / figures.untraced.stackCpuUsPerRequest - 1,
            p50: figures.exporting.p50 / figures.untraced.p50 - 1,
            rps: figures.untraced.rps / figures.exporting.rps - 1,
          },
        },
      });
    }

    // The exporting stack flushes its spans when stopped; then the sink has them all.
    await Promise.all(SERVICES.map((s) => procs.get(`${s}-exporting`)!.stop('SIGTERM')));
    const perRequest = (kind: number) => (sink.spans.ultra[kind] ?? 0) / Math.max(1, sentToExporting);
    // Every span Ultra makes is one entry-point call: server spans withServerSpan, client spans the interceptor, the rest inSpan.
    const callsPerRequest = { inSpan: perRequest(1), interceptor: perRequest(3), server: perRequest(2) };
    const extraNs = (e: EntryCost) => Math.max(0, e.unsetNs - e.untracedNs);
    const estimateUs = (callsPerRequest.inSpan * extraNs(entries[0]!) + callsPerRequest.interceptor * extraNs(entries[1]!) + callsPerRequest.server * extraNs(entries[2]!)) / 1000;
    const estimate = results.map((r) => ({ concurrency: r.concurrency, us: estimateUs, share: estimateUs / r.figures.untraced.stackCpuUsPerRequest }));

    writeReport({ quick: values.quick, started, load0, results, entries, callsPerRequest, estimate, sink: { exports: sink.exports(), bytes: sink.bytes(), instrumentationSpans: sink.spans.instrumentations }, sentToExporting });
  } finally {
    for (const p of paths.values()) p.close();
    await Promise.all([...procs.values()].map((p) => p.stop('SIGTERM')));
    await sink.close();
  }
}

await main();
process.exit(0);

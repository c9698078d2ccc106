/** `npm run bench:telemetry`'s report: the table and summary on the console, JSON and an SVG chart under reports/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { repoPath } from '@ultra/testkit';
import { barChartSvg, type BarRow } from '../lib/svg.ts';
import { ms, tableText, type Table } from '../lib/table.ts';
import type { EntryCost } from './micro.ts';

export type Variant = 'unset' | 'untraced' | 'twin' | 'exporting';
export const VARIANTS: readonly Variant[] = ['unset', 'untraced', 'twin', 'exporting'];
export const LABEL: Record<Variant, string> = {
  unset: 'telemetry unset (as shipped)',
  untraced: 'no SDK, no tracing code',
  exporting: 'exporting every span',
  twin: 'no SDK, no tracing code, second copy (A/A: the noise floor)',
};

/** One stack's figures at one concurrency. */
export interface VariantFigures {
  requests: number;
  errors: number;
  errorSamples: string[];
  p50: number;
  p99: number;
  rps: number;
  /** CPU per request summed over the stack's router, agent and cache, in µs. */
  stackCpuUsPerRequest: number;
  cpuUsPerRequest: Record<string, number>;
}

/** Relative costs against the untraced stack (0.05: 5 % more). */
export interface Overhead {
  cpu: number;
  cpuRoundsMedian?: number;
  cpuRoundsRange?: [number, number];
  p50: number;
  rps: number;
}

export interface LevelResult {
  concurrency: number;
  figures: Record<Variant, VariantFigures>;
  overhead: { unset: Required<Overhead>; twin: Overhead & { cpuRoundsMedian: number }; exporting: Overhead };
}

export interface TelemetryRun {
  quick: boolean;
  started: number;
  load0: number;
  results: LevelResult[];
  entries: EntryCost[];
  /** Ultra's spans per request sent to the exporting stack, by entry point. */
  callsPerRequest: { inSpan: number; interceptor: number; server: number };
  estimate: { concurrency: number; us: number; share: number }[];
  sink: { exports: number; bytes: number; instrumentationSpans: number };
  sentToExporting: number;
}

export const pct = (r: number) => `${r >= 0 ? '+' : ''}${(r * 100).toFixed(1)} %`;

export function writeReport(run: TelemetryRun): void {
  const { results, entries, callsPerRequest, estimate, started, load0 } = run;
  const estimateUs = estimate[0]?.us ?? 0;
  const table: Table = {
    title: 'Telemetry overhead: cache miss through gRPC Complete, side by side',
    textColumns: [1],
    note: 'CPU per request is the sum over the stack\'s router, provider-agent and cache processes (/proc/PID/stat) while its blocks ran.',
    headers: ['concurrency', 'stack', 'requests', 'CPU µs/request (router+agent+cache)', 'vs untraced', 'p50 ms', 'p99 ms', 'req/s'],
    rows: results.flatMap((r) =>
      VARIANTS.map((v) => {
        const f = r.figures[v];
        const over = v === 'untraced' ? 'baseline' : pct(r.overhead[v].cpu);
        return [String(r.concurrency), LABEL[v], String(f.requests) + (f.errors ? ` (${f.errors} failed)` : ''), f.stackCpuUsPerRequest.toFixed(0), over, ms(f.p50), ms(f.p99), f.rps.toFixed(0)];
      }),
    ),
  };
  console.log('');
  console.log(tableText(table));
  for (const r of results) {
    const o = r.overhead.unset;
    console.log(
      `c=${r.concurrency}: telemetry unset costs ${pct(o.cpu)} CPU per request against no tracing at all (per-round median ${pct(o.cpuRoundsMedian)}, range ${pct(o.cpuRoundsRange[0]!)} … ${pct(o.cpuRoundsRange[1]!)}); p50 ${pct(o.p50)}, throughput ${pct(-o.rps)}`,
    );
    console.log(`      an identical second untraced stack differed by ${pct(r.overhead.twin.cpu)} (per-round median ${pct(r.overhead.twin.cpuRoundsMedian)}): differences of that size are the method's noise`);
  }
  for (const [v, f] of results.flatMap((r) => Object.entries(r.figures))) if (f.errors) console.log(`${v}: ${f.errors} failed, e.g. ${f.errorSamples.join(' | ')}`);
  console.log(`the sink received ${run.sink.exports} OTLP exports, ${(run.sink.bytes / 1024).toFixed(0)} KiB, from the exporting stack`);
  console.log(
    `per request, Ultra's services made ${callsPerRequest.server.toFixed(1)} server spans, ${callsPerRequest.interceptor.toFixed(1)} client spans and ${callsPerRequest.inSpan.toFixed(1)} step spans ` +
      `(+ ${(run.sink.instrumentationSpans / Math.max(1, run.sentToExporting)).toFixed(1)} from the ioredis/http instrumentations, which are not loaded when unset)`,
  );
  for (const e of entries) console.log(`  ${e.name}: ${e.unsetNs.toFixed(0)} ns per call unset, ${e.untracedNs.toFixed(0)} ns without tracing`);
  for (const e of estimate) console.log(`c=${e.concurrency}: so telemetry unset adds about ${e.us.toFixed(1)} µs of CPU per request: ${(e.share * 100).toFixed(2)} % of the untraced stack's ${(e.us / e.share).toFixed(0)} µs`);

  const machine = {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: { start: load0, end: loadavg()[0]! },
  };
  const out = {
    at: new Date(started).toISOString(),
    mode: run.quick ? 'quick' : 'full',
    machine,
    wallSeconds: (Date.now() - started) / 1000,
    variants: LABEL,
    results,
    entryPoints: entries,
    callsPerRequest,
    estimate,
    sink: { exports: run.sink.exports, bytes: run.sink.bytes },
  };
  mkdirSync(repoPath('reports'), { recursive: true });
  const prefix = repoPath(run.quick ? 'reports/bench-telemetry-quick' : 'reports/bench-telemetry');
  writeFileSync(`${prefix}.json`, `${JSON.stringify(out, null, 2)}\n`);
  const rows: BarRow[] = results.flatMap((r) => VARIANTS.map((v) => ({ group: `concurrency ${r.concurrency}, cache miss through gRPC Complete`, label: LABEL[v], p50: r.figures[v].p50, p99: r.figures[v].p99 })));
  writeFileSync(
    `${prefix}.svg`,
    barChartSvg('Latency with telemetry unset, without tracing code, and exporting every span', [
      `${machine.cores} × ${machine.cpu}, Node ${machine.node}, load average ${load0.toFixed(1)} → ${machine.loadAverage.end.toFixed(1)}; ${out.at}`,
      ...results.map((r) => `c=${r.concurrency}: CPU per request, unset vs untraced ${pct(r.overhead.unset.cpu)} (rounds' median ${pct(r.overhead.unset.cpuRoundsMedian)}); A/A ${pct(r.overhead.twin.cpu)}; exporting vs untraced ${pct(r.overhead.exporting.cpu)}`),
      `entry points timed in process: unset adds ~${estimateUs.toFixed(1)} µs CPU per request (${(estimate[0]!.share * 100).toFixed(2)} % at c=${estimate[0]!.concurrency})`,
    ], rows),
  );
  console.log(`wrote ${prefix}.json and ${prefix}.svg in ${out.wallSeconds.toFixed(0)} s`);
}

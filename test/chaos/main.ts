/**
 * `npm run chaos [-- NAME ...] [--quiet-wait=SECONDS]`: runs the scenario matrix (or the named scenarios), one
 * fresh stack each, printing progress; writes reports/chaos-report.md, one SVG chart per
 * scenario and a JSON summary under reports/chaos/, and, after a run of the whole matrix,
 * copies the report to docs/chaos-report.md. Exits 1 when a bound failed, 2 on bad names.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { repoPath } from '@ultra/testkit';
import { stopAllStacks } from './harness/chaos-stack.ts';
import { runScenario } from './harness/run-scenario.ts';
import type { ScenarioResult } from './harness/scenario.ts';
import { machineInfo } from './report/machine.ts';
import { markdownReport } from './report/markdown.ts';
import { scenarioChart } from './report/svg-chart.ts';
import { SCENARIOS } from './scenarios/index.ts';

/** Longest wait for a quieter machine before each scenario, ms (`--quiet-wait=SECONDS`, default 90). */
const quietWaitMs = () => 1000 * Number(/^--quiet-wait=(\d+)$/.exec(process.argv.find((a) => a.startsWith('--quiet-wait=')) ?? '')?.[1] ?? 90);

const say = (line: string) => console.log(line);

function summary(r: ScenarioResult): string {
  if (r.error) return `ERROR ${r.scenario.name}: ${r.error.split('\n')[0]}`;
  const f = r.figures;
  const failed = r.bounds.filter((b) => !b.ok).map((b) => `${b.label}: ${b.actual}`);
  return (
    `${r.pass ? 'PASS' : 'FAIL'} ${r.scenario.name} in ${(r.wallMs / 1000).toFixed(0)} s — success during ${(f.during.success * 100).toFixed(1)} %, ` +
    `p99 during ${Math.round(f.during.p99 ?? 0)} ms, recovered ${f.recoveryMs === undefined ? 'no' : `${(f.recoveryMs / 1000).toFixed(1)} s`}` +
    (failed.length ? `\n       failed: ${failed.join('; ')}` : '')
  );
}

function summaryJson(results: readonly ScenarioResult[]) {
  return results.map((r) => ({
    name: r.scenario.name,
    pass: r.pass,
    error: r.error,
    wallMs: Math.round(r.wallMs),
    loadAverage: r.loadAverage,
    times: { faultAt: Math.round(r.faultAt), clearAt: Math.round(r.clearAt), endAt: Math.round(r.endAt) },
    figures: r.figures,
    bounds: r.bounds,
    cpu: r.cpu,
  }));
}

async function main(): Promise<number> {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(`chaos: unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const chosen = names.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => names.includes(s.name));
  const machine = machineInfo(new Date());
  const started = performance.now();
  say(`chaos: ${chosen.length} scenario(s) on ${machine.cpu} ×${machine.cores}, Node ${machine.node}, load average ${machine.loadStart.toFixed(1)}`);
  const results: ScenarioResult[] = [];
  for (const [i, scenario] of chosen.entries()) {
    say(`[${i + 1}/${chosen.length}] ${scenario.name}: ${scenario.title}`);
    const r = await runScenario(scenario, { log: say, quietWaitMs: quietWaitMs() });
    results.push(r);
    say(`[${i + 1}/${chosen.length}] ${summary(r)}`);
  }
  const totalMs = performance.now() - started;
  machine.loadEnd = os.loadavg()[0] ?? 0;

  mkdirSync(repoPath('reports/chaos'), { recursive: true });
  for (const r of results) if (!r.error) writeFileSync(repoPath(`reports/chaos/${r.scenario.name}.svg`), scenarioChart(r));
  writeFileSync(repoPath('reports/chaos/results.json'), `${JSON.stringify({ machine, totalMs: Math.round(totalMs), results: summaryJson(results) }, null, 2)}\n`);
  writeFileSync(repoPath('reports/chaos-report.md'), markdownReport(results, machine, 'chaos', totalMs));
  say(`chaos: wrote reports/chaos-report.md and ${results.length} chart(s) under reports/chaos/`);
  if (chosen.length === SCENARIOS.length) {
    writeFileSync(repoPath('docs/chaos-report.md'), markdownReport(results, machine, '../reports/chaos', totalMs));
    say('chaos: copied the report to docs/chaos-report.md');
  }
  const failed = results.filter((r) => !r.pass);
  say(`chaos: ${results.length - failed.length} of ${results.length} passed in ${(totalMs / 60_000).toFixed(1)} min${failed.length ? `; failed: ${failed.map((r) => r.scenario.name).join(', ')}` : ''}`);
  return failed.length === 0 ? 0 : 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`chaos: ${signal}; stopping the running stack`);
    void stopAllStacks().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);

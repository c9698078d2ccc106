import { CHAOS_TUNING } from '../harness/chaos-config.ts';
import { cpuLine } from '../harness/cpu-share.ts';
import { defaultLoadOptions } from '../harness/load.ts';
import { defaultPhases, type ScenarioResult } from '../harness/scenario.ts';
import type { PhaseFigures } from '../harness/stats.ts';
import type { MachineInfo } from './machine.ts';

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const ms = (x: number | undefined) => (x === undefined ? '—' : String(Math.round(x)));
const secs = (x: number | undefined) => (x === undefined ? '—' : `${(x / 1000).toFixed(1)} s`);
const lat = (p: PhaseFigures) => `${ms(p.p50)} / ${ms(p.p99)}`;
const cell = (s: string) => s.replace(/\|/g, '\\|');

function row(r: ScenarioResult): string {
  const f = r.figures;
  if (r.error) return `| ${r.scenario.title} | **ERROR** | ${cell(r.error.split('\n')[0] ?? '')} | | | | | | | | | |`;
  const iso = f.isolation ? `${secs(f.isolation.ms)} (${f.isolation.how === 'breaker open' ? 'breaker' : 'probes'})` : r.scenario.target ? 'not taken out' : 'n/a';
  const dead = f.callsAfterIsolation ? String(f.callsAfterIsolation.count) : 'n/a';
  const jobs =
    f.jobs.lost === undefined ? 'n/a (no queue)' : `${f.jobs.lost} of ${f.jobs.submitted ?? 0}${f.jobs.deadLettered ? ` (${f.jobs.deadLettered} dead-lettered)` : ''}`;
  const modes = f.modeChanges.length === 0 ? 'none' : `${f.modeChanges.length}: ${f.modeChanges.join(', ')}`;
  const requests = f.before.requests + f.during.requests + f.after.requests;
  return `| ${r.scenario.title} | ${r.pass ? 'pass' : '**FAIL**'} | ${requests} | ${pct(f.during.success)} | ${pct(f.after.success)} | ${lat(f.during)} | ${lat(f.after)} | ${dead} | ${iso} | ${f.recoveryMs === undefined ? 'not within the run' : secs(f.recoveryMs)} | ${jobs} | ${modes} |`;
}

function jobsLine(j: ScenarioResult['figures']['jobs']): string {
  if (j.unavailable) return `not checked: SubmitJob answered ${j.unavailable}`;
  if (j.submitted === undefined) return 'not checked';
  return `${j.submitted} submitted (one a second), ${j.succeeded} succeeded, ${j.deadLettered} dead-lettered, ${j.lost} lost; ${j.refused} submissions refused${j.deferred ? `; ${j.deferred} front-door requests deferred (202)` : ''}`;
}

function section(r: ScenarioResult, chartDir: string): string {
  const f = r.figures;
  const out = [`### ${r.scenario.title} (\`${r.scenario.name}\`) — ${r.pass ? 'pass' : 'FAIL'}`, ''];
  out.push(`- **Fault:** ${r.scenario.fault}.`, `- **Expected:** ${r.scenario.expect}.`);
  if (r.error) {
    out.push('', '```', r.error, '```', '');
    return out.join('\n');
  }
  out.push(
    `- **Timeline:** fault at +${secs(r.faultAt)}, removed at +${secs(r.clearAt)}${r.removalMs > 500 ? ` (the removal took ${secs(r.removalMs)})` : ''}, load stopped at +${secs(r.endAt)}; run took ${secs(r.wallMs)} with the stack's start; before it the machine was ${r.busyBefore === undefined ? '?' : `${Math.round(r.busyBefore * 100)} %`} busy with other work; load average ${r.loadAverage[0].toFixed(1)} → ${r.loadAverage[1].toFixed(1)}.`,
    `- **Baseline:** ${f.before.requests} requests, ${pct(f.before.success)} ok, p50/p99 ${lat(f.before)} ms.`,
    `- **During:** ${f.during.requests} requests, ${pct(f.during.success)} ok, p50/p99/max ${lat(f.during)} / ${ms(f.during.max)} ms, ${f.during.fromCache} from the cache${f.during.repeats ? `, repeated prompts ${f.during.repeatsOk}/${f.during.repeats} ok` : ''}${f.during.silentTruncations ? `, **${f.during.silentTruncations} streams cut without an error**` : ''}.`,
    `- **After:** ${f.after.requests} requests, ${pct(f.after.success)} ok, p50/p99 ${lat(f.after)} ms.`,
  );
  if (r.cpu?.before && r.cpu.during) out.push(`- **CPU:** before the fault ${cpuLine(r.cpu.before)}; during it ${cpuLine(r.cpu.during)}.`);
  if (r.scenario.target) {
    const how = f.isolation ? `${secs(f.isolation.ms)} after the fault (${f.isolation.how})` : 'never during the fault';
    const calls = f.callsAfterIsolation ? `; ${f.callsAfterIsolation.count} calls reached it afterwards (counted by the ${f.callsAfterIsolation.source})` : '';
    out.push(`- **${r.scenario.target}:** taken out ${how}${calls}.`);
  }
  out.push(
    `- **Recovery:** clients served as before ${f.clientRecoveryMs === undefined ? 'not within the run' : `${secs(f.clientRecoveryMs)} after the removal`}` +
      (f.backInRotationMs !== undefined || r.scenario.target || r.scenario.backWhen ? `; the faulty part back in service after ${secs(f.backInRotationMs)}` : '') +
      '.',
    `- **Jobs:** ${jobsLine(f.jobs)}.`,
    `- **Modes:** health service ${f.modeChanges.length ? f.modeChanges.join(', ') : 'stayed NORMAL'}; clients were told ${f.clientModes.join(' → ') || 'nothing'}.`,
    '',
    '| bound | result | |',
    '|---|---|---|',
    ...r.bounds.map((b) => `| ${cell(b.label)} | ${cell(b.actual)} | ${b.ok ? 'ok' : '**FAIL**'} |`),
    '',
    `![${r.scenario.title}: latency and success over time](${chartDir}/${r.scenario.name}.svg)`,
    '',
  );
  return out.join('\n');
}

/** The report: where and how it ran, the table, then one section per scenario with its bounds and chart. */
export function markdownReport(results: readonly ScenarioResult[], machine: MachineInfo, chartDir: string, totalMs: number): string {
  const passed = results.filter((r) => r.pass).length;
  const o = defaultLoadOptions;
  return [
    '# Chaos report',
    '',
    `Written by \`npm run chaos\` (test/chaos) on ${machine.date}, commit ${machine.commit}.`,
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; load average ${machine.loadStart.toFixed(1)} at the start, ${(machine.loadEnd ?? 0).toFixed(1)} at the end.`,
    '',
    `**${passed} of ${results.length} scenarios passed** in ${(totalMs / 60_000).toFixed(1)} min.`,
    '',
    '## How it runs',
    '',
    `Each scenario starts its own stack: a real \`redis-server\`, the provider simulator, and the router, provider-agent, cache and health services, each its own process reading its own config, with a Toxiproxy-API fault proxy on every edge (router→agent, router→cache, router→health, cache→Redis, and agent→provider once per provider). The fault proxy is \`test/chaos/proxy\` run as its own process (\`npm run toxiproxy\`), or a real Toxiproxy when \`TOXIPROXY_URL\` is set, driven only through the Toxiproxy HTTP API with \`toxiproxy-node-client\`; provider errors (429, 503) come from the simulator, since no proxy can make HTTP statuses. Load is open loop: ${o.rate} requests/s to the OpenAI front door, each prompt distinct unless the scenario repeats a few so that the cache has work. Phases: ${defaultPhases.beforeMs / 1000} s of baseline, ${defaultPhases.faultMs / 1000} s with the fault (some scenarios differ), ${defaultPhases.afterMs / 1000} s after its removal.`,
    '',
    'The config is the action plan\'s tiers (primary openai, anthropic; secondary google, cohere), every provider behind its own proxy, with the timings scaled down so that a fault and its recovery fit in seconds:',
    '',
    '```yaml',
    CHAOS_TUNING.trim(),
    '```',
    '',
    'Figures: success = HTTP 200 with a whole answer (a stream needs its finish reason and `[DONE]`). Latency covers every request, failed ones too, from send to the last byte, in ms. A request belongs to the phase it was sent in, except that one still in flight when the fault began counts for the fault. "Reached the dead provider" counts calls that got to the faulty provider after the agent had taken it out (breaker open, or probes marking it unhealthy where no breaker opened), until the fault ended. "Time to recover" runs from the start of the fault\'s removal until the faulty part was serving again and clients were served as before: from then on every half-second window had every request ok, in mode NORMAL, with a median latency within max(2 × baseline p50, baseline p50 + 300 ms). "CPU" is what the machine spent in each phase, in CPUs busy on average (from /proc), split into Ultra\'s four services and everything else (the simulator, Redis, the fault proxy, the harness and its load, a scenario\'s own extra load, anyone else\'s work): a latency bound that fails while everything else took most of the machine says more about the machine than about Ultra.',
    '',
    '## Results',
    '',
    '| scenario | result | requests | success during | success after | p50 / p99 during (ms) | p50 / p99 after (ms) | reached the dead provider after it was taken out | time to open | time to recover | jobs lost | mode changes |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(row),
    '',
    '## Scenarios',
    '',
    ...results.map((r) => section(r, chartDir)),
  ].join('\n');
}

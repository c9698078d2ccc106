/**
 * Runs chaos scenarios one by one and prints everything the report leaves out, for
 * diagnosing a scenario: per-phase figures, every bound, per-second buckets, the faulty
 * provider's states, the modes, one failure per second, the slowest requests. Writes the
 * chart to /tmp/chaos-<name>.svg.
 *
 *   node --import tsx test/chaos/try.ts provider-down agent-killed
 */
import os from 'node:os';
import { runScenario } from './harness/run-scenario.ts';
import { SCENARIOS } from './scenarios/index.ts';
import { writeFileSync } from 'node:fs';
import { scenarioChart } from './report/svg-chart.ts';
import { buckets } from './harness/stats.ts';
import { cpuLine } from './harness/cpu-share.ts';
for (const name of process.argv.slice(2)) {
  const sc = SCENARIOS.find((s) => s.name === name);
  if (!sc) {
    console.error(`no scenario named ${name}; there are: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
  const load0 = os.loadavg()[0];
  const r = await runScenario(sc, { log: (l) => console.log(l) });
  const { samples, observations, bounds, figures: f } = r;
  console.log(`== ${name} pass=${r.pass} wall=${(r.wallMs / 1000).toFixed(1)}s load=${load0?.toFixed(1)}→${os.loadavg()[0]?.toFixed(1)} ${r.error ?? ''}`);
  const ph = (p: typeof f.before) => `n=${p.requests} ok=${(p.success * 100).toFixed(1)}% p50=${p.p50?.toFixed(0)} p99=${p.p99?.toFixed(0)} cache=${p.fromCache} trunc=${p.silentTruncations} rep=${p.repeatsOk}/${p.repeats}`;
  console.log(' before', ph(f.before)); console.log(' during', ph(f.during)); console.log(' after ', ph(f.after));
  console.log(' iso', JSON.stringify(f.isolation), 'callsAfter', JSON.stringify(f.callsAfterIsolation), 'rec', f.clientRecoveryMs?.toFixed(0), f.backInRotationMs?.toFixed(0), f.recoveryMs?.toFixed(0), 'modes', f.modeChanges.join(' '), '| client', f.clientModes.join(' '));
  for (const b of bounds) console.log(b.ok ? '  ok  ' : '  FAIL', b.label, '—', b.actual);
  if (r.cpu?.before) console.log(' cpu before:', cpuLine(r.cpu.before));
  if (r.cpu?.during) console.log(' cpu during:', cpuLine(r.cpu.during));
  if (!r.error) writeFileSync(`/tmp/chaos-${name}.svg`, scenarioChart(r));
  console.log(' buckets:', buckets(samples, 1000, r.endAt).map((b) => `${b.t / 1000}s:${b.requests}/${(b.success * 100).toFixed(0)}%/${b.p50?.toFixed(0)}/${b.p99?.toFixed(0)}`).join(' '));
  const tgt = sc.target;
  console.log(' providers:', observations.providers.filter((p) => p.t > 100 && (!tgt || p.name === tgt)).map((p) => `${(p.t / 1000).toFixed(1)} ${p.name} ${p.breaker} ${p.healthy ? 'H' : 'U'} ${p.detail.slice(0, 60)}`).join(' | '));
  console.log(' modes:', observations.modes.map((m) => `${(m.t / 1000).toFixed(1)} ${m.mode} (${m.reason.slice(0, 60)})`).join(' | '));
  const bad = samples.filter((s) => !s.ok);
  console.log(' failures:', bad.length);
  const perSec = new Map<number, typeof bad[number]>();
  for (const s of bad) if (!perSec.has(Math.floor(s.sentAt / 1000))) perSec.set(Math.floor(s.sentAt / 1000), s);
  for (const s of [...perSec.values()]) console.log(`   ${(s.sentAt / 1000).toFixed(2)} ${s.latencyMs.toFixed(0)}ms ${s.status} ${s.error?.slice(0, 160)} [${s.attempts}] chunks=${s.chunks}`);
  for (const s of samples.filter((x) => x.repeat && !x.ok)) console.log(`   repeat-fail ${(s.sentAt / 1000).toFixed(2)} hot=${s.i % 5} ${s.latencyMs.toFixed(0)}ms ${s.status} ${s.error?.slice(0, 120)} [${s.attempts}]`);
  console.log(' jobs', JSON.stringify(f.jobs));
  const slow = samples.filter((s) => s.sentAt >= r.faultAt).sort((a, b) => b.latencyMs - a.latencyMs).slice(0, 12);
  for (const s of slow) console.log(`   slow ${(s.sentAt / 1000).toFixed(2)} ${s.latencyMs.toFixed(0)}ms ${s.status} ${s.provider} ${s.servedFrom} rep=${s.repeat} [${s.attempts}]`);
}
process.exit(0);

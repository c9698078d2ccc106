import { readFileSync, writeFileSync } from 'node:fs';

export interface ContenderFigures {
  name: string;
  label: string;
  /** p50 of a miss one request at a time, ms (the simulator's own included). */
  c1P50Ms: number;
  c1Samples: number;
  /** Why its streaming was not measured, when it was not. */
  noStreaming?: string | undefined;
  /** p50 time to the first text of a streamed miss, one at a time, ms. */
  ttftP50Ms?: number | undefined;
  /** Resident memory over a long run of misses (Ultra and Portkey). */
  soak?: { requests: number; warmRssMb: number; endRssMb: number; errors: number } | undefined;
  /** Ultra: p50 of a local cache hit one at a time, ms. */
  hitP50Ms?: number | undefined;
  /** Misses answered per second at 16 connections. */
  reqPerSec: number;
  /** Highest resident memory of its processes together during the c=16 blocks, MB. */
  peakRssMb?: number | undefined;
  processes: number;
  errors: number;
  errorSamples: string[];
}

export interface Figures {
  when: string;
  machine: string;
  load: [number, number];
  quick: boolean;
  rounds: number;
  contenders: ContenderFigures[];
}

const pct = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)} %` : 'n/a');
/** `183 → 190 (+3.8 %)` over the run's requests. */
const growth = (s: { warmRssMb: number; endRssMb: number }) => `${s.warmRssMb.toFixed(0)} → ${s.endRssMb.toFixed(0)} (${pct((s.endRssMb - s.warmRssMb) / s.warmRssMb)})`;
const f1 = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
const x = (v: number) => `${v.toFixed(2)}×`;

/** The comparison as a Markdown table with ratios against Portkey and the floor, an SVG chart, and the README block. */
export function versusReport(fig: Figures) {
  const by = Object.fromEntries(fig.contenders.map((c) => [c.name, c])) as Record<string, ContenderFigures>;
  const direct = by['direct']!;
  const portkey = by['portkey']!;
  const floor = by['floor']!;
  const added = (c: ContenderFigures) => c.c1P50Ms - direct.c1P50Ms;
  const rows = fig.contenders.map((c) => {
    const isDirect = c.name === 'direct';
    return `| ${c.label} | ${isDirect ? '—' : f1(added(c))} | ${isDirect || c.name === 'portkey' ? '' : x(added(c) / added(portkey))} | ${c.ttftP50Ms === undefined || isDirect ? '' : f1(c.ttftP50Ms - (direct.ttftP50Ms ?? 0))} | ${Math.round(c.reqPerSec).toLocaleString('en')} | ${isDirect || c.name === 'portkey' ? '' : x(c.reqPerSec / portkey.reqPerSec)} | ${isDirect ? '' : `${((100 * c.reqPerSec) / floor.reqPerSec).toFixed(0)} %`} | ${c.peakRssMb === undefined ? '' : `${c.peakRssMb.toFixed(0)} (${c.processes})`} | ${c.peakRssMb === undefined || c.name === 'portkey' ? '' : x(c.peakRssMb / portkey.peakRssMb!)} | ${c.hitP50Ms === undefined ? '' : f1(c.hitP50Ms - direct.c1P50Ms)} | ${c.soak ? growth(c.soak) : ''} |${c.errors ? ` ${c.errors} errors` : ''}`;
  });
  const single = by['single']!;
  const split = by['split']!;
  const check = (ok: boolean) => (ok ? 'met' : 'missed');
  const ttftAdded = (c: ContenderFigures) => (c.ttftP50Ms ?? Number.NaN) - (direct.ttftP50Ms ?? 0);
  const grew = (c: ContenderFigures) => (c.soak ? (c.soak.endRssMb - c.soak.warmRssMb) / c.soak.warmRssMb : Number.NaN);
  const soakN = (single.soak?.requests ?? 0).toLocaleString('en');
  const targets = [
    `single: added p50 ≤ 0.5× Portkey's: ${x(added(single) / added(portkey))}, ${check(added(single) <= 0.5 * added(portkey))}`,
    `single: req/s ≥ 2× Portkey's: ${x(single.reqPerSec / portkey.reqPerSec)}, ${check(single.reqPerSec >= 2 * portkey.reqPerSec)}; ≥ 20 % of the floor's: ${((100 * single.reqPerSec) / floor.reqPerSec).toFixed(0)} %, ${check(single.reqPerSec >= 0.2 * floor.reqPerSec)}`,
    `single: local hit adds ≤ the floor's added p50 + 0.2 ms: ${f1(single.hitP50Ms! - direct.c1P50Ms)} vs ${f1(added(floor) + 0.2)} ms, ${check(single.hitP50Ms! - direct.c1P50Ms <= added(floor) + 0.2)}`,
    `single: resident memory under load ≤ Portkey's: ${x(single.peakRssMb! / portkey.peakRssMb!)}, ${check(single.peakRssMb! <= portkey.peakRssMb!)}`,
    `split: req/s ≥ Portkey's: ${x(split.reqPerSec / portkey.reqPerSec)}, ${check(split.reqPerSec >= portkey.reqPerSec)}; added p50 ≤ Portkey's: ${x(added(split) / added(portkey))}, ${check(added(split) <= added(portkey))}`,
    `both: no growth over ${soakN} requests (≤ 10 % after the first tenth): single ${pct(grew(single))}, split ${pct(grew(split))}, ${check(grew(single) <= 0.1 && grew(split) <= 0.1)}`,
    `both: streaming time to first token within 1 ms of the floor's (+${f1(ttftAdded(floor))} ms): single +${f1(ttftAdded(single))}, ${check(ttftAdded(single) <= ttftAdded(floor) + 1)}; split +${f1(ttftAdded(split))}, ${check(ttftAdded(split) <= ttftAdded(floor) + 1)}`,
  ];
  const markdown = `Every request a cache miss (a prompt never sent before) unless it says hit; one OpenAI-compatible provider (the simulator) on loopback; Ultra from its compiled build as \`npm start\` runs it. ${fig.rounds} rounds, the order rotating; ${fig.machine}, ${fig.when.slice(0, 16).replace('T', ' ')} UTC, load average ${fig.load[0].toFixed(1)} at start and ${fig.load[1].toFixed(1)} at end (the machine is shared: read the ratios, not the absolute figures).${fig.quick ? ' Quick run: small counts.' : ''}

| | added p50, c=1 (ms) | × Portkey | added TTFT p50, stream, c=1 (ms) | req/s, c=16 | × Portkey | % of the floor | RSS under load, MB (processes) | × Portkey | local hit, added p50 (ms) | RSS over a long run, MB |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

Against the targets of issue 19: ${targets.map((t) => `\n- ${t}`).join('')}
${fig.contenders.filter((c) => c.noStreaming).map((c) => `\nNo time to first token for ${c.label}: ${c.noStreaming}.\n`).join('')}`;
  return {
    markdown,
    svg: chart(fig, added),
    writeReadme(file: string) {
      const text = readFileSync(file, 'utf8');
      const block = `<!-- bench:versus:begin (written by npm run bench:versus) -->\n${markdown}\n![Ultra in both topologies against Portkey and the floor](reports/bench-versus.svg)\n<!-- bench:versus:end -->`;
      const re = /<!-- bench:versus:begin[\s\S]*?<!-- bench:versus:end -->/;
      writeFileSync(file, re.test(text) ? text.replace(re, block) : text.replace('<!-- bench:end -->', `<!-- bench:end -->\n\n${block}`));
    },
  };
}

/** Three panels of horizontal bars: req/s at c=16, added p50 at c=1, resident memory. */
function chart(fig: Figures, added: (c: ContenderFigures) => number): string {
  const panels: { title: string; unit: string; rows: { label: string; v: number }[] }[] = [
    { title: 'misses per second at 16 connections (more is better)', unit: 'req/s', rows: fig.contenders.map((c) => ({ label: c.label, v: c.reqPerSec })) },
    { title: 'added p50, one request at a time (less is better)', unit: 'ms', rows: fig.contenders.filter((c) => c.name !== 'direct').map((c) => ({ label: c.label, v: Math.max(0, added(c)) })) },
    { title: 'resident memory under load, all its processes (less is better)', unit: 'MB', rows: fig.contenders.filter((c) => c.peakRssMb !== undefined).map((c) => ({ label: c.label, v: c.peakRssMb! })) },
  ];
  const colors: Record<string, string> = { 'simulator alone': '#999', 'minimal Node proxy': '#777', 'Portkey gateway 1.15': '#d95f02', 'Ultra, topology single': '#1b9e77', 'Ultra, topology split': '#7570b3' };
  const out: string[] = [];
  let y = 40;
  const width = 860;
  const left = 200;
  const body: string[] = [];
  for (const p of panels) {
    body.push(`<text x="10" y="${y}" font-weight="bold">${p.title}</text>`);
    y += 10;
    const max = Math.max(...p.rows.map((r) => r.v), 1e-9);
    for (const r of p.rows) {
      const w = ((width - left - 90) * r.v) / max;
      body.push(`<text x="${left - 8}" y="${y + 15}" text-anchor="end">${r.label}</text><rect x="${left}" y="${y + 3}" width="${w.toFixed(1)}" height="16" fill="${colors[r.label] ?? '#555'}"/><text x="${(left + w + 6).toFixed(1)}" y="${y + 15}">${p.unit === 'ms' ? f1(r.v) : Math.round(r.v).toLocaleString('en')} ${p.unit}</text>`);
      y += 22;
    }
    y += 24;
  }
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/><text x="10" y="20" font-size="14" font-weight="bold">Ultra (single, split) against Portkey and a minimal Node proxy, cache misses, ${fig.when.slice(0, 10)}${fig.quick ? ' (quick run)' : ''}</text>`);
  out.push(...body, '</svg>');
  return out.join('\n');
}

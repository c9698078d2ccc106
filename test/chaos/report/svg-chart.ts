import type { ScenarioResult } from '../harness/scenario.ts';
import { buckets } from '../harness/stats.ts';

const W = 760;
const H = 400;
const LEFT = 64;
const RIGHT = 20;
const TOP = 44;
const LAT_H = 200;
const GAP = 36;
const OK_H = 80;
const BUCKET_MS = 500;
const LAT_MIN = 1;
const LAT_MAX = 10_000;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const f1 = (n: number) => n.toFixed(1);

/**
 * One scenario as an SVG: latency of every request over time (dots on a log scale, red
 * when it failed, with p50 and p99 lines per half second) above the share of requests
 * that succeeded per half second; the fault's window shaded, mode changes marked.
 */
export function scenarioChart(r: ScenarioResult): string {
  const endMs = Math.max(r.endAt, ...r.samples.map((s) => s.sentAt)) + 1;
  const plotW = W - LEFT - RIGHT;
  const x = (ms: number) => LEFT + (ms / endMs) * plotW;
  const latTop = TOP;
  const okTop = TOP + LAT_H + GAP;
  const yLat = (ms: number) => {
    const v = Math.min(LAT_MAX, Math.max(LAT_MIN, ms));
    return latTop + LAT_H - (Math.log10(v / LAT_MIN) / Math.log10(LAT_MAX / LAT_MIN)) * LAT_H;
  };
  const yOk = (share: number) => okTop + OK_H - share * OK_H;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${LEFT}" y="18" font-size="14" font-weight="bold">${esc(r.scenario.title)} — ${r.pass ? 'pass' : 'FAIL'}</text>`);
  const fault = r.scenario.fault.length > 118 ? `${r.scenario.fault.slice(0, 117)}…` : r.scenario.fault;
  out.push(`<text x="${LEFT}" y="34" fill="#555">${esc(fault)}</text>`);

  // the fault's window, in both panels
  for (const [top, h] of [
    [latTop, LAT_H],
    [okTop, OK_H],
  ] as const) {
    out.push(`<rect x="${f1(x(r.faultAt))}" y="${top}" width="${f1(x(r.clearAt) - x(r.faultAt))}" height="${h}" fill="#fde2e2"/>`);
    out.push(`<rect x="${LEFT}" y="${top}" width="${plotW}" height="${h}" fill="none" stroke="#999"/>`);
  }
  out.push(`<text x="${f1(x(r.faultAt) + 3)}" y="${latTop + 12}" fill="#b33">fault</text>`);

  // axes: latency (log), success (%), time (s)
  for (const v of [1, 10, 100, 1_000, 10_000]) {
    out.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${f1(yLat(v))}" y2="${f1(yLat(v))}" stroke="#eee"/>`);
    out.push(`<text x="${LEFT - 6}" y="${f1(yLat(v) + 4)}" text-anchor="end">${v >= 1000 ? `${v / 1000} s` : `${v} ms`}</text>`);
  }
  for (const v of [0, 0.5, 1]) out.push(`<text x="${LEFT - 6}" y="${f1(yOk(v) + 4)}" text-anchor="end">${v * 100} %</text>`);
  const stepS = endMs > 40_000 ? 10 : endMs > 16_000 ? 5 : 2;
  for (let s = 0; s * 1000 <= endMs; s += stepS) {
    out.push(`<line x1="${f1(x(s * 1000))}" x2="${f1(x(s * 1000))}" y1="${okTop + OK_H}" y2="${okTop + OK_H + 4}" stroke="#999"/>`);
    out.push(`<text x="${f1(x(s * 1000))}" y="${okTop + OK_H + 16}" text-anchor="middle">${s} s</text>`);
  }
  out.push(`<text x="12" y="${latTop + LAT_H / 2}" transform="rotate(-90 12 ${latTop + LAT_H / 2})" text-anchor="middle">latency</text>`);
  out.push(`<text x="12" y="${okTop + OK_H / 2}" transform="rotate(-90 12 ${okTop + OK_H / 2})" text-anchor="middle">success</text>`);

  // every request
  for (const s of r.samples) {
    out.push(`<circle cx="${f1(x(s.sentAt))}" cy="${f1(yLat(s.latencyMs))}" r="1.6" fill="${s.ok ? '#9aa5b1' : '#d62728'}"/>`);
  }
  // p50 / p99 and success per bucket
  const bs = buckets(r.samples, BUCKET_MS, endMs).filter((b) => b.requests > 0);
  const line = (pts: [number, number][], color: string, width = 1.6) =>
    pts.length > 1 ? `<polyline fill="none" stroke="${color}" stroke-width="${width}" points="${pts.map(([a, b]) => `${f1(a)},${f1(b)}`).join(' ')}"/>` : '';
  const mid = (t: number) => x(t + BUCKET_MS / 2);
  out.push(line(bs.map((b) => [mid(b.t), yLat(b.p50 ?? LAT_MIN)]), '#1f77b4'));
  out.push(line(bs.map((b) => [mid(b.t), yLat(b.p99 ?? LAT_MIN)]), '#ff7f0e'));
  out.push(line(bs.map((b) => [mid(b.t), yOk(b.success)]), '#2ca02c', 2));

  // mode changes the health service published
  r.observations.modes
    .filter((m) => m.t > 50)
    .forEach((m, i) => {
      out.push(`<line x1="${f1(x(m.t))}" x2="${f1(x(m.t))}" y1="${latTop}" y2="${okTop + OK_H}" stroke="#7b3fa0" stroke-dasharray="3,3"/>`);
      out.push(`<text x="${f1(x(m.t) + 3)}" y="${okTop - 6 - (i % 2) * 11}" fill="#7b3fa0">${esc(m.mode)}</text>`);
    });

  // legend
  const ly = H - 12;
  const items: [string, string][] = [
    ['#9aa5b1', 'request'],
    ['#d62728', 'failed request'],
    ['#1f77b4', 'p50 / 0.5 s'],
    ['#ff7f0e', 'p99 / 0.5 s'],
    ['#2ca02c', 'success / 0.5 s'],
    ['#7b3fa0', 'mode change'],
  ];
  items.forEach(([color, label], i) => {
    const lx = LEFT + i * 112;
    out.push(`<rect x="${lx}" y="${ly - 8}" width="10" height="10" fill="${color}"/><text x="${lx + 14}" y="${ly + 1}">${label}</text>`);
  });
  out.push('</svg>');
  return out.filter(Boolean).join('\n') + '\n';
}

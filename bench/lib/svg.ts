/** One row of the chart: a label and up to three values, in ms. */
export interface BarRow {
  label: string;
  /** Row group heading drawn above the first row of each group. */
  group: string;
  p50: number;
  p99: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (ms: number) => (Math.abs(ms) >= 10 ? ms.toFixed(0) : Math.abs(ms) >= 1 ? ms.toFixed(1) : ms.toFixed(2));

/**
 * A horizontal bar chart (p50 and p99 per row) on a log scale, as a standalone SVG.
 * The scale starts at the decade below the smallest value (0.1 ms at most); values at
 * or below it (noise can make an added latency zero or less) are drawn as a stub.
 */
export function barChartSvg(
  title: string,
  subtitle: readonly string[],
  rows: readonly BarRow[],
  /** Dashed lines over a group's rows, e.g. the targets: group → [{ label, ms }]. */
  marks: Readonly<Record<string, ReadonlyArray<{ label: string; ms: number }>>> = {},
): string {
  const left = 250;
  const width = 900;
  const plot = width - left - 70;
  const rowH = 26;
  const top = 56 + 16 * subtitle.length;
  let groups = 0;
  let last = '';
  for (const r of rows) if (r.group !== last) (groups++, (last = r.group));
  const height = top + rows.length * rowH + groups * 22 + 50;
  const max = Math.max(1, ...rows.flatMap((r) => [r.p50, r.p99]));
  const positive = rows.flatMap((r) => [r.p50, r.p99]).filter((v) => v > 0);
  const lo = Math.min(-1, Math.floor(Math.log10(Math.min(...positive, 1))));
  const hi = Math.ceil(Math.log10(max) + 0.05);
  const x = (ms: number) => left + (plot * (Math.log10(Math.max(ms, 10 ** lo)) - lo)) / (hi - lo);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text x="16" y="24" font-size="16" font-weight="bold">${esc(title)}</text>`);
  subtitle.forEach((line, i) => out.push(`<text x="16" y="${44 + 16 * i}" fill="#555">${esc(line)}</text>`));
  out.push(`<rect x="${width - 200}" y="14" width="12" height="12" fill="#4e79a7"/><text x="${width - 184}" y="24">p50</text>`);
  out.push(`<rect x="${width - 140}" y="14" width="12" height="12" fill="#f28e2b"/><text x="${width - 124}" y="24">p99</text>`);
  const bottom = height - 40;
  for (let e = lo; e <= hi; e++) {
    const gx = x(10 ** e);
    out.push(`<line x1="${gx}" y1="${top - 8}" x2="${gx}" y2="${bottom}" stroke="#ddd"/>`);
    out.push(`<text x="${gx}" y="${bottom + 16}" text-anchor="middle" fill="#555">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(-e)} ms</text>`);
  }
  let y = top;
  last = '';
  const groupMarks = (group: string, from: number) => {
    const n = rows.filter((r) => r.group === group).length;
    for (const m of marks[group] ?? []) {
      const mx = x(m.ms);
      out.push(`<line x1="${mx}" y1="${from - 2}" x2="${mx}" y2="${from + n * rowH}" stroke="#c0392b" stroke-dasharray="4 3"/>`);
      out.push(`<text x="${mx + 3}" y="${from - 4}" font-size="10" fill="#c0392b">${esc(m.label)}</text>`);
    }
  };
  for (const r of rows) {
    if (r.group !== last) {
      last = r.group;
      y += 4;
      out.push(`<text x="16" y="${y + 10}" font-weight="bold">${esc(r.group)}</text>`);
      y += 18;
      groupMarks(r.group, y);
    }
    out.push(`<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(r.label)}</text>`);
    const bar = (v: number, dy: number, color: string) => {
      const w = Math.max(2, x(v) - left);
      out.push(`<rect x="${left}" y="${y + dy}" width="${w.toFixed(1)}" height="10" fill="${color}"/>`);
      out.push(`<text x="${left + w + 4}" y="${y + dy + 9}" font-size="10" fill="#333">${fmt(v)}</text>`);
    };
    bar(r.p50, 2, '#4e79a7');
    bar(r.p99, 13, '#f28e2b');
    y += rowH;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

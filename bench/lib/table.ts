/** A table: a title, column headers, and rows of cells already formatted. */
export interface Table {
  title: string;
  headers: string[];
  rows: string[][];
  /** A line under the table. */
  note?: string | undefined;
  /** Columns (by index) that hold text rather than figures: left-aligned. Default: the first only. */
  textColumns?: number[];
}

const isText = (t: Table, i: number) => (t.textColumns ?? [0]).includes(i);

/** Aligned plain text for the terminal: the first column left, the others right. */
export function tableText(t: Table): string {
  const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (isText(t, i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [t.title, line(t.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)];
  if (t.note) out.push(t.note);
  return out.join('\n');
}

/** A GitHub markdown table with a bold title line. */
export function tableMarkdown(t: Table): string {
  const out = [`**${t.title}**`, '', `| ${t.headers.join(' | ')} |`, `|${t.headers.map((_, i) => (isText(t, i) ? '---' : '---:')).join('|')}|`];
  for (const r of t.rows) out.push(`| ${r.join(' | ')} |`);
  if (t.note) out.push('', t.note);
  return out.join('\n');
}

/** Milliseconds with a precision that suits their size. */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** A signed difference in ms: `+0.84`. */
export const plus = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${ms(v)}` : '–');

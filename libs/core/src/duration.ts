const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const isUnit = (text: string | undefined): text is keyof typeof UNITS => text !== undefined && Object.hasOwn(UNITS, text);
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/**
 * Parses a duration such as `250ms`, `30s`, `5m` or `1h` into milliseconds.
 * Returns `undefined` when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const match = PATTERN.exec(text.trim());
  const [, amount, unit] = match ?? [];
  if (!isUnit(unit)) return undefined;
  return Math.round(Number(amount) * UNITS[unit]);
}

/** Formats milliseconds the way config writes them: `250ms`, `30s`, `5m`, `1h`. */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

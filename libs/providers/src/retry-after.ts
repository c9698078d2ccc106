import type { HeaderLookup } from './types.ts';
/**
 * How long a provider asks us to wait, read from its response headers, in milliseconds.
 * In order of precedence:
 * 1. `retry-after-ms` (OpenAI, Azure): milliseconds;
 * 2. `retry-after`: seconds, or an HTTP date;
 * 3. OpenAI's `x-ratelimit-reset-{requests,tokens}` (durations such as `1s`, `6m0s`, `20ms`)
 *    and Anthropic's `anthropic-ratelimit-*-reset` (RFC 3339 times): the latest reset of a
 *    limit whose `remaining` is 0, else the earliest reset given.
 *
 * @param now the current time in milliseconds since the epoch (from the injected Clock)
 * @returns undefined when no header says anything usable
 */
export function retryAfterFromHeaders(headers: HeaderLookup, now: number): number | undefined {
  const ms = finiteNonNegative(Number(headers.get('retry-after-ms')?.trim() || Number.NaN));
  if (ms !== undefined) return Math.round(ms);
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    const fromHeader = /^\d+(\.\d+)?$/.test(retryAfter)
      ? Number(retryAfter) * 1000
      : finiteNonNegative(Date.parse(retryAfter) - now);
    if (fromHeader !== undefined) return Math.round(Math.max(0, fromHeader));
  }
  return fromResetHeaders(headers, now);
}

const RESET_LIMITS: ReadonlyArray<{ reset: string; remaining: string; kind: 'duration' | 'time' }> = [
  { reset: 'x-ratelimit-reset-requests', remaining: 'x-ratelimit-remaining-requests', kind: 'duration' },
  { reset: 'x-ratelimit-reset-tokens', remaining: 'x-ratelimit-remaining-tokens', kind: 'duration' },
  ...['requests', 'tokens', 'input-tokens', 'output-tokens'].map((limit) => ({
    reset: `anthropic-ratelimit-${limit}-reset`,
    remaining: `anthropic-ratelimit-${limit}-remaining`,
    kind: 'time' as const,
  })),
];

function fromResetHeaders(headers: HeaderLookup, now: number): number | undefined {
  const exhausted: number[] = [];
  const all: number[] = [];
  for (const limit of RESET_LIMITS) {
    const value = headers.get(limit.reset);
    if (value === null) continue;
    const ms = limit.kind === 'duration' ? parseResetDuration(value) : finiteNonNegative(Date.parse(value) - now);
    if (ms === undefined) continue;
    all.push(ms);
    if (headers.get(limit.remaining)?.trim() === '0') exhausted.push(ms);
  }
  if (exhausted.length > 0) return Math.round(Math.max(...exhausted));
  return all.length > 0 ? Math.round(Math.min(...all)) : undefined;
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const DURATION_UNIT = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } satisfies Record<string, number>;
const isDurationUnit = (unit: string | undefined): unit is keyof typeof DURATION_UNIT => unit !== undefined && Object.hasOwn(DURATION_UNIT, unit);

/**
 * Parses a reset duration as OpenAI writes it (`1s`, `6m0s`, `1h2m3.5s`, `20ms`), or a
 * bare number of seconds, into milliseconds.
 */
export function parseResetDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(DURATION_PART)) {
    // (the pattern above admits only these units)
    if (isDurationUnit(unit)) total += Number(amount) * DURATION_UNIT[unit];
  }
  return total;
}

function finiteNonNegative(n: number): number | undefined {
  return Number.isFinite(n) ? Math.max(0, n) : undefined;
}

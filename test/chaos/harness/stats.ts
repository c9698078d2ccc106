import type { Sample } from './send.ts';

/** The `q` quantile (0..1) of `values` by nearest rank; undefined when empty. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Figures for the requests of one phase. */
export interface PhaseFigures {
  requests: number;
  ok: number;
  /** ok / requests, 0..1 (1 when there were none). */
  success: number;
  /** Latency of every request, failures included, ms. */
  p50?: number | undefined;
  p99?: number | undefined;
  max?: number | undefined;
  /** Answers that came from the cache (fresh or stale). */
  fromCache: number;
  /** Streams that ended neither complete nor with an error event. */
  silentTruncations: number;
  /** HTTP 202: deferred to the queue. */
  deferred: number;
  /** Requests with a repeated prompt, and how many of them succeeded. */
  repeats: number;
  repeatsOk: number;
}

/** Figures for the samples sent in [from, to). */
export function phaseFigures(samples: readonly Sample[], from: number, to: number): PhaseFigures {
  const xs = samples.filter((s) => s.sentAt >= from && s.sentAt < to);
  const lat = xs.map((s) => s.latencyMs);
  const ok = xs.filter((s) => s.ok).length;
  return {
    requests: xs.length,
    ok,
    success: xs.length === 0 ? 1 : ok / xs.length,
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    max: quantile(lat, 1),
    fromCache: xs.filter((s) => s.servedFrom === 'cache' || s.servedFrom === 'stale-cache').length,
    silentTruncations: xs.filter((s) => s.silentTruncation).length,
    deferred: xs.filter((s) => s.status === 202).length,
    repeats: xs.filter((s) => s.repeat).length,
    repeatsOk: xs.filter((s) => s.repeat && s.ok).length,
  };
}

/** One time bucket of the chart. */
export interface Bucket {
  /** Start of the bucket, ms since the run's start. */
  t: number;
  requests: number;
  success: number;
  p50?: number | undefined;
  p99?: number | undefined;
}

/** The samples cut into buckets of `widthMs` by send time, from 0 to `endMs`. */
export function buckets(samples: readonly Sample[], widthMs: number, endMs: number): Bucket[] {
  const out: Bucket[] = [];
  for (let t = 0; t < endMs; t += widthMs) {
    const f = phaseFigures(samples, t, t + widthMs);
    out.push({ t, requests: f.requests, success: f.success, p50: f.p50, p99: f.p99 });
  }
  return out;
}

/** Attempts in an `x-ultra-attempts` header, e.g. `openai:connection:3ms` → {provider, outcome, ms}. */
export function parseAttempts(header: string | undefined): { provider: string; outcome: string; ms: number }[] {
  if (!header) return [];
  return header.split(',').flatMap((part) => {
    const m = /^([^:]+):([^:]+):(\d+)ms$/.exec(part.trim());
    return m ? [{ provider: m[1]!, outcome: m[2]!, ms: Number(m[3]) }] : [];
  });
}

/** Percentiles of one set of latencies, in milliseconds. */
export interface Summary {
  /** Samples kept. */
  n: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Latencies kept as raw samples in a Float64Array that doubles when full. */
export interface Recorder {
  /** Records one latency, in ms. */
  add(ms: number): void;
  readonly count: number;
  /** Percentiles over every sample so far (nearest rank on a sorted copy). */
  summary(): Summary;
  /** The samples, sorted ascending (a copy). */
  sorted(): Float64Array;
}

/** A recorder with room for `initial` samples before it first grows (default 4096). */
export function createRecorder(initial = 4096): Recorder {
  let data = new Float64Array(Math.max(16, initial));
  let count = 0;
  const sorted = () => data.slice(0, count).sort();
  return {
    add(ms) {
      if (count === data.length) {
        const grown = new Float64Array(data.length * 2);
        grown.set(data);
        data = grown;
      }
      data[count++] = ms;
    },
    get count() {
      return count;
    },
    sorted,
    summary: () => summarize(sorted()),
  };
}

/** The `q`-quantile (0..1) of sorted samples by nearest rank; NaN when empty. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/** The median of a few figures (the mean of the middle two when their count is even); NaN when empty. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Percentiles of samples already sorted ascending. */
export function summarize(sorted: Float64Array): Summary {
  let total = 0;
  for (const v of sorted) total += v;
  const n = sorted.length;
  return {
    n,
    mean: n === 0 ? Number.NaN : total / n,
    min: n === 0 ? Number.NaN : sorted[0]!,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    p999: quantile(sorted, 0.999),
    max: n === 0 ? Number.NaN : sorted[n - 1]!,
  };
}

/** What a path adds over its baseline, percentile by percentile (ms; may be slightly negative from noise). */
export interface Added {
  p50: number;
  p99: number;
  p999: number;
}

export function added(subject: Summary, baseline: Summary): Added {
  return { p50: subject.p50 - baseline.p50, p99: subject.p99 - baseline.p99, p999: subject.p999 - baseline.p999 };
}

/** Outlier ejection, in the manner of Envoy's outlier detection. */
export interface OutlierOptions {
  /** Failures in a row that eject a provider. Default 5. */
  consecutiveFailures: number;
  /** Calls remembered per provider for its success rate. Default 50. */
  window: number;
  /** Fewest calls in the window before the success rate is judged. Default 20. */
  minRequests: number;
  /**
   * A provider is an outlier when its success rate is below the tier's mean by more than
   * this many standard deviations (Envoy's `success_rate_stdev_factor / 1000`). Default 1.9.
   */
  stdevFactor: number;
  /** Also an outlier when its success rate is this far (0..1) below the best peer's. Default 0.3. */
  gapToBest: number;
  /** First ejection time, ms; the n-th ejection lasts n times this. Default 30 000. */
  baseEjectionMs: number;
  /** Longest ejection, ms. Default 300 000. */
  maxEjectionMs: number;
  /** Most of a tier ejected at once, 0..1 (at least one provider). Default 0.5. */
  maxEjectedShare: number;
  /**
   * Also an outlier when its moving-average latency is more than this many times the
   * tier's fastest judged peer's… (0: off). Default 3.
   */
  latencyFactor: number;
  /** …and at least this many ms more, so that 3 ms against 1 ms is no outlier. Default 500. */
  latencyMinGapMs: number;
}

/** Calls a provider needs in its window (since its last ejection) before its latency is judged. */
export const LATENCY_MIN_CALLS = 5;

/** A provider's recent outcomes: a ring of the last `size` calls. */
export class OutcomeWindow {
  #ring: boolean[] = [];
  #next = 0;
  constructor(readonly size: number) {}

  record(ok: boolean): void {
    if (this.#ring.length < this.size) this.#ring.push(ok);
    else this.#ring[this.#next] = ok;
    this.#next = (this.#next + 1) % this.size;
  }

  get count(): number {
    return this.#ring.length;
  }

  /** Share of successes, 0..1 (1 when empty). */
  get successRate(): number {
    return this.#ring.length === 0 ? 1 : this.#ring.filter(Boolean).length / this.#ring.length;
  }

  clear(): void {
    this.#ring = [];
    this.#next = 0;
  }
}

/**
 * The providers of a tier whose success rate stands out below their peers': below
 * mean − factor·stdev, or more than `gapToBest` below the best. Needs two judged peers.
 */
export function successRateOutliers(rates: ReadonlyMap<string, number>, options: OutlierOptions): string[] {
  if (rates.size < 2) return [];
  const values = [...rates.values()];
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const stdev = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  const best = Math.max(...values);
  return [...rates].filter(([, r]) => (stdev > 0 && r < mean - options.stdevFactor * stdev) || r < best - options.gapToBest).map(([n]) => n);
}

/**
 * The providers of a tier whose moving-average latency stands out above their peers':
 * more than `latencyFactor` × the fastest and `latencyMinGapMs` above it (a crawling
 * provider: a first token at 10× its normal time). Needs two judged peers.
 */
export function latencyOutliers(latencies: ReadonlyMap<string, number>, options: Pick<OutlierOptions, 'latencyFactor' | 'latencyMinGapMs'>): string[] {
  if (latencies.size < 2 || options.latencyFactor <= 0) return [];
  const best = Math.min(...latencies.values());
  return [...latencies].filter(([, ms]) => ms > best * options.latencyFactor && ms - best >= options.latencyMinGapMs).map(([n]) => n);
}

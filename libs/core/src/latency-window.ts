/** The latest latencies (of calls, of first tokens), for quantiles: the agent's published p50 / p99, its slow-wait threshold, the router's hedge delay. */
export interface LatencyWindow {
  /** Records one call's latency. Milliseconds. */
  add(ms: number): void;
  /** The `q`-quantile (0..1) of the recorded latencies, nearest rank, whole ms; 0 when empty. */
  quantile(q: number): number;
  readonly size: number;
}

/**
 * A ring of the last `capacity` latencies (default 256). Reading sorts a copy, which is
 * cheap at this size and happens at most once a second per provider.
 */
export function createLatencyWindow(capacity = 256): LatencyWindow {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be an integer ≥ 1, got ${capacity}`);
  const ring = new Float64Array(capacity);
  let count = 0;
  let next = 0;
  return {
    add(ms) {
      ring[next] = ms;
      next = (next + 1) % capacity;
      count = Math.min(capacity, count + 1);
    },
    quantile(q) {
      if (count === 0) return 0;
      const sorted = ring.slice(0, count).sort();
      const rank = Math.min(count, Math.max(1, Math.ceil(q * count)));
      return Math.round(sorted[rank - 1]!);
    },
    get size() {
      return count;
    },
  };
}

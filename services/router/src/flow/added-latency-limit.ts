/**
 * How many requests may be in the router for one more deferrable (`low`, `batch`) request
 * to be let in, learnt from the latency Ultra itself adds to an answer: its time in the
 * router, the cache and the agent, that is the whole request less the provider's own call.
 * When Ultra is the bottleneck, requests queue in every one of its processes' event loops,
 * first come first served, and that time grows with the number in flight whatever the
 * priority. Keeping deferrable work to where the added latency stays under a bound keeps
 * those queues short, so `high` and `normal` (never held to this limit) are served in about
 * their unloaded time while a flood of deferrable work is refused at the door.
 *
 * Measured per sample period (the guard's `sample_every`): the median added latency of the
 * answers that ended in it, and, by Little's law, how many requests were inside Ultra's own
 * work on average (the added latencies summed over the period's length, averaged over about
 * half a second). A period is slow when both are high: the median above `thresholdMs` and
 * more than `queueBound` requests inside Ultra. The second tells a queue Ultra built from a
 * machine that is slow for everyone: at 60 answers a second, 100 ms added is six requests
 * inside Ultra, which fewer requests in flight would not make faster; at 400 a second it is
 * forty, a queue. The bound (16) is about two high-priority callers' worth of requests
 * per core: a lower one mistakes a busy machine for a queue, a higher one (it was 32) let a
 * flood keep high priority at 4–5× its unloaded p99 on two cores.
 *
 * As TCP's congestion window: the limit starts at `initial`, not at its ceiling, so that a
 * crowd arriving at once is not all let in before any signal can rise (it is refused with a
 * Retry-After and comes back spread out); while in use (at least half of it in flight) and
 * answers come back within the threshold it doubles each period until the first slow one
 * (with at least `minSamples` answers; with fewer, it grows by `growth`), then grows by
 * `growth` of itself; a period with no answers, or over the threshold without a queue
 * inside Ultra, holds it where it is;
 * a slow period takes it to `backoff ×` the smaller of itself and the requests in flight
 * (what was in flight is what caused the queue), down to `min`. While higher-priority
 * requests share Ultra with it (a period that yields), the median alone judges, and the
 * limit may go down to 1: strict priority. The provider's speed does not
 * move it: a provider taking 5 s adds 5 s to the request and nothing to what Ultra adds.
 *
 * Pure: the guard feeds it samples and periods on its own clock.
 */
export interface AddedLatencyLimitOptions {
  /** Median added latency above which a period may be slow. Milliseconds, > 0. */
  readonly thresholdMs: number;
  /** The floor, except in a period that yields ({@link AddedLatencyLimit.endPeriod}). Requests, integer ≥ 1. */
  readonly min: number;
  /** The ceiling. Requests, integer ≥ min. */
  readonly max: number;
  /** The limit before anything is learnt, clamped to [min, max]. Default 64. */
  readonly initial?: number;
  /** Requests inside Ultra's own work on average at or under which there is no queue to shorten. Default 16. */
  readonly queueBound?: number;
  /** A slow period multiplies the limit by this. Ratio in (0, 1). Default 0.9. */
  readonly backoff?: number;
  /** After the first slow period, a calm one in use adds this share of the limit (at least 1). Ratio > 0. Default 0.05. */
  readonly growth?: number;
  /** Answers a period needs before it may judge. Default 8. */
  readonly minSamples?: number;
}

export interface AddedLatencyLimit {
  /** The limit now, an integer in [min, max]. */
  readonly value: number;
  /** The median added latency of the last period with enough answers to judge, ms (0 before any). */
  readonly lastMedianMs: number;
  /** Requests inside Ultra's own work on average over about the last half second (Little's law). */
  readonly lastInside: number;
  /** Whether the last period was slow: over the threshold with a queue inside Ultra (more than `queueBound`). */
  readonly slow: boolean;
  /** One answer's added latency, in ms. */
  add(addedMs: number): void;
  /**
   * Ends a period of `periodMs`: judges its samples, given the requests in flight now.
   * `busy`: whether Ultra was busy itself in the period; when it was not (a machine
   * starved by other processes, a router barely working), a slow period is not Ultra's own
   * queue, and fewer requests in flight would not shorten it: it counts as calm.
   * `yielding`: higher-priority requests shared Ultra with the deferrable work in the
   * period. Then the median alone cuts the limit (a queue of any length that slows them is
   * worth shortening), and it may go below `min`, down to 1; it comes back up to `min` in
   * the first period that does not yield. `slow`, which the guard reports as Ultra's
   * saturation (and sheds higher classes by, in the end), still needs the queue bound.
   */
  endPeriod(inFlight: number, periodMs: number, busy?: boolean, yielding?: boolean): void;
}

/** The span the requests-inside average covers. Milliseconds. */
const INSIDE_AVERAGE_MS = 500;

export function createAddedLatencyLimit(options: AddedLatencyLimitOptions): AddedLatencyLimit {
  const { thresholdMs, min, max } = options;
  const backoff = options.backoff ?? 0.9;
  const growth = options.growth ?? 0.05;
  const minSamples = options.minSamples ?? 8;
  const queueBound = options.queueBound ?? 16;
  if (!(thresholdMs > 0) || !Number.isInteger(min) || min < 1 || !Number.isInteger(max) || max < min) {
    throw new RangeError(`added-latency limit needs threshold > 0 and integers 1 ≤ min ≤ max, got threshold ${thresholdMs} ms, min ${min}, max ${max}`);
  }
  let value = Math.min(max, Math.max(min, Math.round(options.initial ?? 64)));
  let slowStart = true;
  let samples: number[] = [];
  let sum = 0;
  let lastMedianMs = 0;
  let lastInside = 0;
  let slow = false;
  return {
    get value() {
      return value;
    },
    get lastMedianMs() {
      return lastMedianMs;
    },
    get lastInside() {
      return lastInside;
    },
    get slow() {
      return slow;
    },
    add(addedMs) {
      const ms = Math.max(0, addedMs);
      samples.push(ms);
      sum += ms;
    },
    endPeriod(inFlight, periodMs, busy = true, yielding = false) {
      const least = yielding ? 1 : min;
      value = Math.max(value, least);
      const period = samples;
      samples = [];
      const weight = Math.min(1, Math.max(0, periodMs) / INSIDE_AVERAGE_MS);
      lastInside += weight * (sum / Math.max(1, periodMs) - lastInside);
      sum = 0;
      period.sort((a, b) => a - b);
      const median = period.length > 0 ? period[Math.floor(period.length / 2)]! : 0;
      const enough = period.length >= minSamples;
      if (enough) lastMedianMs = median;
      const over = enough && busy && median > thresholdMs;
      // `slow` (a queue Ultra built, which the guard reports as saturation) keeps its queue
      // bound; yielding only lets the limit on deferrable work be cut without one.
      slow = over && lastInside > queueBound;
      const inUse = inFlight >= value / 2;
      if (slow || (over && yielding)) {
        slowStart = false;
        value = Math.max(least, Math.floor(backoff * Math.min(value, inFlight)));
      } else if (inUse && period.length > 0 && median <= thresholdMs) {
        // Growth needs answers that came back fast; doubling needs enough of them (a crowd whose
        // answers are not back yet says nothing, and doubling on it let the whole crowd in).
        value = Math.min(max, slowStart && enough ? value * 2 : value + Math.max(1, Math.floor(value * growth)));
      }
    },
  };
}

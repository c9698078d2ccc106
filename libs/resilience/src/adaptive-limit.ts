/**
 * An adaptive concurrency limit, AIMD as in Netflix's concurrency-limits and TCP's
 * congestion control: it grows while calls come back well and shrinks when the provider
 * says it has too much (a concurrency-shaped 429, an overload error, a timeout) or when
 * latency climbs well above its usual level.
 *
 * - Growth, only while the limit is in use (in flight ≥ half of it): +1 per good call
 *   until the first drop (slow start, doubling per round trip), then +1 per `limit` good
 *   calls (one more slot per round trip).
 * - A drop: `limit = backoff × min(limit, calls in flight when the dropped call started)`;
 *   the in-flight count the provider refused is the best evidence of its own limit. One
 *   decrease per round trip: a drop from a call that started before the last decrease was
 *   already answered by it, and only caps the limit at `backoff ×` its in-flight count
 *   (so a burst far over the provider's limit is learnt in one round trip).
 * - Latency: while the limit is in use, a short moving average more than
 *   `latencyTolerance` × the long one counts as a drop (the gradient idea of Netflix's
 *   Gradient2, as a yes/no).
 *
 * Pure: time comes in on each sample.
 */

/** Pass a `Partial<>`; missing fields take {@link defaultAdaptiveLimitOptions}. */
export interface AdaptiveLimitOptions {
  /** The limit before anything is learnt. Calls, min ≤ initial ≤ max. Default 512. */
  readonly initial: number;
  /** The floor: the limit never goes below it. Calls, integer ≥ 1. Default 4. */
  readonly min: number;
  /** The ceiling. Calls, integer ≥ min. Default 4096. */
  readonly max: number;
  /** A drop multiplies the limit by this. Ratio in (0, 1). Default 0.9. */
  readonly backoff: number;
  /** The short latency average above this many times the long one is a drop; 0 turns it off. Ratio ≥ 1 or 0. Default 2. */
  readonly latencyTolerance: number;
}

export const defaultAdaptiveLimitOptions: AdaptiveLimitOptions = Object.freeze({ initial: 512, min: 4, max: 4096, backoff: 0.9, latencyTolerance: 2 });

/** One finished call: what the limit learns from. */
export interface LimitSample {
  /** Epoch ms the call started (got its slot). */
  readonly startedAt: number;
  /** Epoch ms it ended. */
  readonly at: number;
  /** Calls in flight when it started, itself included. */
  readonly inFlight: number;
  /**
   * `ok`: served; `refused`: the provider refused it for having too many calls at once (a
   * concurrency 429: its in-flight count is evidence of the provider's limit); `drop`: the
   * provider struggled (an overload error, a timeout); `ignore`: says nothing of load (a
   * bad request, a cancel).
   */
  readonly kind: 'ok' | 'refused' | 'drop' | 'ignore';
  /** Latency that tracks load: time to first token for a stream, else the whole call. Milliseconds. */
  readonly latencyMs?: number | undefined;
}

/** Why the limit last went down. */
export type LimitDropCause = 'overload' | 'latency';

export interface AdaptiveLimit {
  /** The limit now, an integer in [min, max]. */
  readonly value: number;
  /** The long moving average of latency, ms; 0 before any sample. For wait estimates. */
  readonly latencyMs: number;
  /** Learns from one call; returns the cause when it lowered the limit. */
  onSample(sample: LimitSample): LimitDropCause | undefined;
  readonly options: AdaptiveLimitOptions;
}

/** Weights of the newest latency in the short and the long moving averages. */
const SHORT_ALPHA = 0.1;
const LONG_ALPHA = 0.01;
/** Samples before the latency rule may judge. */
const LATENCY_WARMUP = 20;

/** Merges over the defaults and checks; the error names each bad field and its value. */
export function resolveAdaptiveLimitOptions(options: Partial<AdaptiveLimitOptions>): AdaptiveLimitOptions {
  const o: AdaptiveLimitOptions = { ...defaultAdaptiveLimitOptions, ...options };
  const bad: string[] = [];
  if (!Number.isInteger(o.min) || o.min < 1) bad.push(`min must be an integer ≥ 1, got ${o.min}`);
  if (!Number.isInteger(o.max) || o.max < o.min) bad.push(`max must be an integer ≥ min (${o.min}), got ${o.max}`);
  if (!(o.initial >= o.min && o.initial <= o.max)) bad.push(`initial must be within [${o.min}, ${o.max}], got ${o.initial}`);
  if (!(o.backoff > 0 && o.backoff < 1)) bad.push(`backoff must be in (0, 1), got ${o.backoff}`);
  if (!(o.latencyTolerance === 0 || o.latencyTolerance >= 1)) bad.push(`latencyTolerance must be 0 or ≥ 1, got ${o.latencyTolerance}`);
  if (bad.length > 0) throw new RangeError(`adaptive limit: ${bad.join('; ')}`);
  return Object.freeze(o);
}

export function createAdaptiveLimit(options: Partial<AdaptiveLimitOptions> = {}): AdaptiveLimit {
  const o = resolveAdaptiveLimitOptions(options);
  let limit = o.initial;
  let slowStart = true;
  let lastDropAt = -Infinity;
  let short = 0;
  let long = 0;
  let samples = 0;

  /** Lowers the limit to `to` unless a decrease since `s` started already answered it. */
  const lower = (s: LimitSample, to: number, cause: LimitDropCause): LimitDropCause | undefined => {
    if (s.startedAt < lastDropAt) {
      // Already answered by the last decrease, unless it shows the provider refusing fewer calls than that allowed.
      const capped = Math.max(o.min, o.backoff * s.inFlight);
      if (s.kind !== 'refused' || capped >= limit) return undefined;
      limit = capped;
      return cause;
    }
    limit = Math.max(o.min, to);
    slowStart = false;
    lastDropAt = s.at;
    return cause;
  };
  /** The limit is in use: half of it or more in flight. Only then does latency or a struggle say anything of it. */
  const inUse = (s: LimitSample) => s.inFlight * 2 >= limit;

  return {
    get value() {
      return Math.max(o.min, Math.min(o.max, Math.floor(limit)));
    },
    get latencyMs() {
      return long;
    },
    options: o,
    onSample(s) {
      if (s.kind === 'ignore') return undefined;
      if (s.kind === 'refused') return lower(s, o.backoff * Math.min(limit, s.inFlight), 'overload');
      if (s.kind === 'drop') return inUse(s) ? lower(s, o.backoff * limit, 'overload') : undefined;
      if (s.latencyMs !== undefined && s.latencyMs >= 0) {
        samples++;
        short = samples === 1 ? s.latencyMs : short + SHORT_ALPHA * (s.latencyMs - short);
        long = samples === 1 ? s.latencyMs : long + LONG_ALPHA * (s.latencyMs - long);
        if (inUse(s) && o.latencyTolerance > 0 && samples >= LATENCY_WARMUP && short > o.latencyTolerance * long) {
          const cause = lower(s, o.backoff * limit, 'latency');
          if (cause) short = long; // judged; the next verdict needs fresh evidence
          return cause;
        }
      }
      if (inUse(s)) limit = Math.min(o.max, limit + (slowStart ? 1 : 1 / limit));
      return undefined;
    },
  };
}

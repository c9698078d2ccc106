/**
 * The breaker's sliding window: the recent calls it judges the provider by. Plain,
 * serialisable data and pure functions, so the machine's context stays immutable.
 */

/** The shape of the window. */
export type WindowConfig =
  | {
      readonly type: 'count';
      /** The last `size` calls are kept. */
      readonly size: number;
    }
  | {
      readonly type: 'time';
      /** Calls of the last `durationMs` milliseconds are kept. */
      readonly durationMs: number;
      /** The duration is cut into this many buckets; a whole bucket expires at once. */
      readonly buckets: number;
    };

/** One recorded call: a provider failure, or a success that may have been slow. */
export interface WindowCall {
  /** Epoch ms when the call ended. */
  readonly at: number;
  readonly failure: boolean;
  readonly slow: boolean;
}

/** Totals over the calls the window currently holds. */
export interface WindowCounts {
  readonly calls: number;
  readonly failures: number;
  readonly slow: number;
}

interface Bucket extends WindowCounts {
  /** `floor(at / bucketMs)`: which bucket-wide slice of time since the epoch it covers. */
  readonly index: number;
}

export type WindowState =
  | { readonly type: 'count'; readonly calls: readonly WindowCall[] }
  | { readonly type: 'time'; readonly buckets: readonly Bucket[] };

const EMPTY_COUNTS: WindowCounts = { calls: 0, failures: 0, slow: 0 };

export function emptyWindow(config: WindowConfig): WindowState {
  return config.type === 'count' ? { type: 'count', calls: [] } : { type: 'time', buckets: [] };
}

function bucketIndex(config: WindowConfig & { type: 'time' }, at: number): number {
  return Math.floor(at / (config.durationMs / config.buckets));
}

/** Buckets still inside the window at `at`: the current one and the `buckets - 1` before it. */
function liveBuckets(buckets: readonly Bucket[], config: WindowConfig & { type: 'time' }, at: number): Bucket[] {
  const oldest = bucketIndex(config, at) - config.buckets + 1;
  return buckets.filter((b) => b.index >= oldest);
}

/** Returns a new window with `call` added (and, for a time window, expired buckets dropped). */
export function recordCall(state: WindowState, config: WindowConfig, call: WindowCall): WindowState {
  if (state.type === 'count' && config.type === 'count') {
    const calls = [...state.calls, call];
    return { type: 'count', calls: calls.length > config.size ? calls.slice(calls.length - config.size) : calls };
  }
  if (state.type === 'time' && config.type === 'time') {
    const index = bucketIndex(config, call.at);
    const buckets = liveBuckets(state.buckets, config, call.at);
    const last = buckets.at(-1);
    const add = (b: Bucket): Bucket => ({
      index: b.index,
      calls: b.calls + 1,
      failures: b.failures + (call.failure ? 1 : 0),
      slow: b.slow + (call.slow ? 1 : 0),
    });
    if (last && last.index === index) return { type: 'time', buckets: [...buckets.slice(0, -1), add(last)] };
    return { type: 'time', buckets: [...buckets, add({ index, ...EMPTY_COUNTS })] };
  }
  throw new TypeError(`window state of type ${state.type} does not match a ${config.type} window config`);
}

/** Totals over the calls the window holds at time `at` (epoch ms). */
export function windowCounts(state: WindowState, config: WindowConfig, at: number): WindowCounts {
  // (a loop, not map/reduce: the breaker judges the window on every call's end)
  let calls = 0;
  let failures = 0;
  let slow = 0;
  if (state.type === 'count') {
    for (const c of state.calls) {
      calls++;
      if (c.failure) failures++;
      if (c.slow) slow++;
    }
  } else if (config.type === 'time') {
    for (const b of liveBuckets(state.buckets, config, at)) {
      calls += b.calls;
      failures += b.failures;
      slow += b.slow;
    }
  }
  return { calls, failures, slow };
}

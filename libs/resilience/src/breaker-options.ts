import type { Outcome } from '@ultra/contracts/chat';
import { PROVIDER_FAILURE_OUTCOMES } from './outcomes.ts';
import type { WindowConfig } from './sliding-window.ts';

/** Every knob of a circuit breaker. Pass a `Partial<>`; missing fields take {@link defaultBreakerOptions}. */
export interface BreakerOptions {
  /** `'count'`: judge the last {@link windowSize} calls; `'time'`: the last {@link windowDurationMs} ms. Default `'count'`. */
  readonly windowType: 'count' | 'time';
  /** Count window: how many of the latest calls are judged. Calls. Default 20. */
  readonly windowSize: number;
  /** Time window: how far back calls are judged. Milliseconds. Default 60000 (60 s). */
  readonly windowDurationMs: number;
  /** Time window: how many buckets `windowDurationMs` is cut into; old calls expire a bucket at a time. Default 10. */
  readonly windowBuckets: number;
  /** The ratios are not judged until the window holds at least this many calls. Calls. Default 10. */
  readonly minimumCalls: number;
  /** Trip when failures / calls in the window reaches this. Ratio in (0, 1]. Default 0.5. */
  readonly failureRateThreshold: number;
  /** Trip when slow calls / calls in the window reaches this. Ratio in (0, 1]. Default 0.8. */
  readonly slowCallRateThreshold: number;
  /**
   * A success whose time to first token is above this is slow; 0 turns the check off. A
   * call still waiting for its first token is reported slow (`onSlow`) by the caller at the
   * age it chooses, at most this (the agent: 5 × the provider's recent first-token p95, at
   * least 3 s). Milliseconds. Default 10000.
   */
  readonly slowTtftMs: number;
  /** A success that streamed slower than this is slow; 0 turns the check off. Tokens per second. Default 5. */
  readonly slowTokensPerSecond: number;
  /** Trip after this many provider failures in a row, whatever the window says; 0 turns it off. Calls. Default 5. */
  readonly consecutiveFailures: number;
  /** How long the first trip stays open. Milliseconds. Default 5000. */
  readonly openBaseMs: number;
  /** Each further trip without a successful close multiplies the open time by this. Factor ≥ 1. Default 2. */
  readonly openMultiplier: number;
  /** The open time never grows past this (a provider's Retry-After may still exceed it). Milliseconds. Default 120000. */
  readonly openMaxMs: number;
  /** Half-open lets at most this many probe calls through at once. Calls. Default 3. */
  readonly halfOpenProbes: number;
  /** Half-open closes once this many probes succeed. Calls, ≤ `halfOpenProbes`. Default 2. */
  readonly halfOpenSuccesses: number;
  /** Outcomes that mean the provider is failing. Default {@link PROVIDER_FAILURE_OUTCOMES}. */
  readonly failureOutcomes: readonly Outcome[];
}

export const defaultBreakerOptions: BreakerOptions = Object.freeze({
  windowType: 'count',
  windowSize: 20,
  windowDurationMs: 60_000,
  windowBuckets: 10,
  minimumCalls: 10,
  failureRateThreshold: 0.5,
  slowCallRateThreshold: 0.8,
  slowTtftMs: 10_000,
  slowTokensPerSecond: 5,
  consecutiveFailures: 5,
  openBaseMs: 5_000,
  openMultiplier: 2,
  openMaxMs: 120_000,
  halfOpenProbes: 3,
  halfOpenSuccesses: 2,
  failureOutcomes: PROVIDER_FAILURE_OUTCOMES,
});

type Check = [field: keyof BreakerOptions, ok: boolean, rule: string];

/**
 * Merges `options` over the defaults and checks every field.
 * @throws RangeError naming each bad field, its rule and its value
 */
export function resolveBreakerOptions(options: Partial<BreakerOptions> = {}): BreakerOptions {
  const o: BreakerOptions = { ...defaultBreakerOptions, ...options };
  const int = (n: number, min: number) => Number.isInteger(n) && n >= min;
  const ratio = (n: number) => n > 0 && n <= 1;
  const checks: Check[] = [
    ['windowType', o.windowType === 'count' || o.windowType === 'time', "must be 'count' or 'time'"],
    ['windowSize', int(o.windowSize, 1), 'must be an integer ≥ 1'],
    ['windowDurationMs', Number.isFinite(o.windowDurationMs) && o.windowDurationMs > 0, 'must be > 0 ms'],
    ['windowBuckets', int(o.windowBuckets, 1), 'must be an integer ≥ 1'],
    ['minimumCalls', int(o.minimumCalls, 1), 'must be an integer ≥ 1'],
    ['failureRateThreshold', ratio(o.failureRateThreshold), 'must be in (0, 1]'],
    ['slowCallRateThreshold', ratio(o.slowCallRateThreshold), 'must be in (0, 1]'],
    ['slowTtftMs', o.slowTtftMs >= 0, 'must be ≥ 0 ms (0 = off)'],
    ['slowTokensPerSecond', o.slowTokensPerSecond >= 0, 'must be ≥ 0 (0 = off)'],
    ['consecutiveFailures', int(o.consecutiveFailures, 0), 'must be an integer ≥ 0'],
    ['openBaseMs', Number.isFinite(o.openBaseMs) && o.openBaseMs > 0, 'must be > 0 ms'],
    ['openMultiplier', Number.isFinite(o.openMultiplier) && o.openMultiplier >= 1, 'must be ≥ 1'],
    ['openMaxMs', Number.isFinite(o.openMaxMs) && o.openMaxMs >= o.openBaseMs, 'must be ≥ openBaseMs'],
    ['halfOpenProbes', int(o.halfOpenProbes, 1), 'must be an integer ≥ 1'],
    ['halfOpenSuccesses', int(o.halfOpenSuccesses, 1) && o.halfOpenSuccesses <= o.halfOpenProbes, 'must be an integer in [1, halfOpenProbes]'],
    ['failureOutcomes', Array.isArray(o.failureOutcomes), 'must be a list of outcomes'],
  ];
  if (o.windowType === 'count') {
    checks.push(['minimumCalls', o.minimumCalls <= o.windowSize, 'must be ≤ windowSize, or the window never has enough calls']);
  }
  const problems = checks
    .filter(([, ok]) => !ok)
    .map(([field, , rule]) => `breaker.${field} ${rule}, got ${JSON.stringify(o[field])}`);
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  return Object.freeze({ ...o, failureOutcomes: Object.freeze([...o.failureOutcomes]) });
}

/** The window shape the options describe. */
export function windowConfigOf(o: BreakerOptions): WindowConfig {
  return o.windowType === 'count'
    ? { type: 'count', size: o.windowSize }
    : { type: 'time', durationMs: o.windowDurationMs, buckets: o.windowBuckets };
}

/** How long the `trip`-th consecutive trip stays open, before any Retry-After. Milliseconds. */
export function openDurationMs(o: BreakerOptions, trip: number): number {
  return Math.min(o.openMaxMs, o.openBaseMs * o.openMultiplier ** Math.max(0, trip - 1));
}


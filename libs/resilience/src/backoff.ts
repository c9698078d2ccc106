import type { Random } from '@ultra/core';

/**
 * A backoff strategy: each `next()` gives the delay before the next attempt and the
 * strategy for the one after. Immutable; the randomness comes in as a {@link Random}.
 */
export interface Backoff {
  next(): BackoffStep;
}

export interface BackoffStep {
  /** Wait this long before the next attempt. Milliseconds, integer. */
  readonly delayMs: number;
  /** The strategy for the attempt after it. */
  readonly next: Backoff;
}

/**
 * Jitter, as the AWS Architecture Blog ("Exponential Backoff and Jitter") defines it, with
 * `ceiling = min(cap, base * 2^n)` for the n-th retry (0-based):
 * - `'full'`: `random_between(0, ceiling)`
 * - `'equal'`: `ceiling/2 + random_between(0, ceiling/2)`: retries are never closer than
 *   half the ceiling, so a long outage cannot burn every attempt at once (the queue's)
 * - `'decorrelated'`: `min(cap, random_between(base, previous * 3))`, starting from `previous = base`
 * - `'none'`: the ceiling itself, for tests, tools and links that retry a blip
 */
export type Jitter = 'full' | 'equal' | 'decorrelated' | 'none';

/** The jitters that depend on the retry's number alone (not on the previous delay). */
export type ExponentialJitter = Exclude<Jitter, 'decorrelated'>;

export interface BackoffOptions {
  /** The first step's scale. Milliseconds. Default 200. */
  readonly baseMs: number;
  /** No delay is longer. Milliseconds. Default 5000. */
  readonly capMs: number;
  /** Default `'full'`. */
  readonly jitter: Jitter;
}

export const defaultBackoffOptions: BackoffOptions = Object.freeze({ baseMs: 200, capMs: 5_000, jitter: 'full' });

/** `random_between(low, high)`, floored to whole milliseconds. */
function between(random: Random, low: number, high: number): number {
  return Math.floor(low + random() * (high - low));
}

/**
 * The delay once attempt `attempt` (1-based) has failed, for a jitter that needs no
 * history: the ceiling `min(capMs, baseMs × 2^(attempt-1))`, jittered. Whole
 * milliseconds; draws once from `random` (not at all for `'none'`). For a store that
 * keeps the attempt count rather than a {@link Backoff} (the queue keeps it in Redis).
 */
export function backoffDelay(options: Pick<BackoffOptions, 'baseMs' | 'capMs'> & { readonly jitter: ExponentialJitter }, attempt: number, random: Random): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  switch (options.jitter) {
    case 'none':
      return Math.floor(ceiling);
    case 'full':
      return between(random, 0, ceiling);
    case 'equal':
      return between(random, ceiling / 2, ceiling);
  }
}

function exponential(o: BackoffOptions & { readonly jitter: ExponentialJitter }, random: Random, n: number): Backoff {
  return {
    next() {
      return { delayMs: backoffDelay(o, n + 1, random), next: exponential(o, random, n + 1) };
    },
  };
}

function decorrelated(o: BackoffOptions, random: Random, previousMs: number): Backoff {
  return {
    next() {
      const delayMs = Math.min(o.capMs, between(random, o.baseMs, previousMs * 3));
      return { delayMs, next: decorrelated(o, random, delayMs) };
    },
  };
}

/**
 * The backoff `options` describe (merged over {@link defaultBackoffOptions}).
 * @param random draws for the jitter; inject a seeded one in tests
 */
export function createBackoff(options: Partial<BackoffOptions>, random: Random): Backoff {
  const o: BackoffOptions = { ...defaultBackoffOptions, ...options };
  if (!(o.baseMs > 0) || !(o.capMs >= o.baseMs)) {
    throw new RangeError(`backoff needs baseMs > 0 and capMs ≥ baseMs, got baseMs ${o.baseMs}, capMs ${o.capMs}`);
  }
  return o.jitter === 'decorrelated' ? decorrelated(o, random, o.baseMs) : exponential({ ...o, jitter: o.jitter }, random, 0);
}

/** The first `count` delays of `backoff`, for tests and docs. Milliseconds. */
export function takeDelays(backoff: Backoff, count: number): number[] {
  const delays: number[] = [];
  let b = backoff;
  for (let i = 0; i < count; i++) {
    const step = b.next();
    delays.push(step.delayMs);
    b = step.next;
  }
  return delays;
}

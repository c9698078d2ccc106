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
 * Jitter, as the AWS Architecture Blog ("Exponential Backoff and Jitter") defines it:
 * - `'full'`: `random_between(0, min(cap, base * 2^n))`
 * - `'decorrelated'`: `min(cap, random_between(base, previous * 3))`, starting from `previous = base`
 * - `'none'`: `min(cap, base * 2^n)`, for tests and tools, never for a fleet of clients
 */
export type Jitter = 'full' | 'decorrelated' | 'none';

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

function exponential(o: BackoffOptions, random: Random, n: number): Backoff {
  return {
    next() {
      const ceiling = Math.min(o.capMs, o.baseMs * 2 ** n);
      const delayMs = o.jitter === 'full' ? between(random, 0, ceiling) : Math.floor(ceiling);
      return { delayMs, next: exponential(o, random, n + 1) };
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
  return o.jitter === 'decorrelated' ? decorrelated(o, random, o.baseMs) : exponential(o, random, 0);
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

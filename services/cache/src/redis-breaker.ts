import type { Clock } from '@ultra/core';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface RedisBreakerOptions {
  /** Failures in a row that open the breaker. Default 3. */
  failures: number;
  /** How long it stays open before one trial call is let through, in ms. Default 2000. */
  openMs: number;
}

/**
 * A small breaker around Redis: after `failures` failed calls in a row it refuses calls
 * for `openMs`, then lets one trial through; the trial's success closes it. Kept here
 * rather than taken from `@ultra/resilience`, whose breaker is built around provider
 * call outcomes; this one only needs consecutive failures and an open period.
 */
export interface RedisBreaker {
  /** Whether a call may go to Redis now (in half-open, only the one trial). */
  allow(): boolean;
  success(): void;
  failure(): void;
  /** Closes the breaker (Redis was found well by a probe). */
  reset(): void;
  readonly state: BreakerState;
  /** Epoch ms the open period ends (when open). */
  readonly openUntil: number;
  /** Calls `listener` on every change of state; returns the unsubscribe function. */
  onChange(listener: (state: BreakerState) => void): () => void;
}

export function createRedisBreaker(options: Partial<RedisBreakerOptions>, clock: Clock): RedisBreaker {
  const failures = options.failures ?? 3;
  const openMs = options.openMs ?? 2_000;
  const listeners = new Set<(state: BreakerState) => void>();
  let state: BreakerState = 'closed';
  let run = 0;
  let openUntil = 0;
  let trial = false;

  const move = (to: BreakerState) => {
    if (to === state) return;
    state = to;
    for (const l of [...listeners]) l(to);
  };
  const open = () => {
    openUntil = clock.now() + openMs;
    trial = false;
    move('open');
  };

  return {
    allow() {
      if (state === 'open' && clock.now() >= openUntil) move('half-open');
      if (state === 'closed') return true;
      if (state === 'half-open' && !trial) return (trial = true);
      return false;
    },
    success() {
      // A call let through before the breaker opened says nothing about Redis now.
      if (state === 'open') return;
      run = 0;
      trial = false;
      move('closed');
    },
    failure() {
      run++;
      if (state === 'half-open' || (state === 'closed' && run >= failures)) open();
    },
    reset() {
      run = 0;
      trial = false;
      move('closed');
    },
    get state() {
      return state;
    },
    get openUntil() {
      return openUntil;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

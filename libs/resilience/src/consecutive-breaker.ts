import type { Clock } from '@ultra/core';

/** Where a {@link ConsecutiveBreaker} stands. */
export type ConsecutiveBreakerState = 'closed' | 'open' | 'half-open';

/** Pass a `Partial<>`; missing fields take {@link defaultConsecutiveBreakerOptions}. */
export interface ConsecutiveBreakerOptions {
  /** Failed calls in a row that open the breaker. Calls, ≥ 1. Default 3. */
  readonly failures: number;
  /** How long it stays open before one trial call is let through. Milliseconds, > 0. Default 1000. */
  readonly openMs: number;
}

export const defaultConsecutiveBreakerOptions: ConsecutiveBreakerOptions = Object.freeze({ failures: 3, openMs: 1_000 });

/** One call the breaker let through; the first of its methods called decides, later ones do nothing. */
export interface ConsecutivePermit {
  /** The dependency answered. */
  success(): void;
  /** The dependency failed the call (refused, reset, no answer in time). */
  failure(): void;
  /** The call ended in a way that says nothing about the dependency (the caller cancelled). */
  neutral(): void;
}

/**
 * A breaker on a link to a dependency that either answers or does not (one of Ultra's own
 * services, Redis): after `failures` failed calls in a row it refuses calls for `openMs`,
 * so that callers skip a dead dependency at once instead of dialling it on every call,
 * then lets one trial call through. The trial's success closes it; a failure while
 * half-open opens it for another period. Any answer resets the count. A call let through
 * before it opened that answers late does not close it.
 *
 * Provider calls, judged by outcome, rate and slowness, use {@link createCircuitBreaker}.
 */
export interface ConsecutiveBreaker {
  /** A permit for a call now, or undefined while open (or while the half-open trial is out). */
  tryStart(): ConsecutivePermit | undefined;
  /**
   * A permit whatever the state, for a probe that checks the dependency directly: its
   * success closes the breaker; its failure counts as any other.
   */
  probe(): ConsecutivePermit;
  /**
   * The dependency was found well another way (a message on a stream over the same link, a
   * probe of its own): closes the breaker at once rather than at its next trial.
   */
  reset(): void;
  readonly state: ConsecutiveBreakerState;
  /** Whether the last call that ended failed: the link is suspect, though not yet open. */
  readonly suspect: boolean;
  /** Epoch ms the open period ends (when open). */
  readonly openUntil: number;
  /** Calls `listener` on every change of state; returns the unsubscribe function. */
  onChange(listener: (state: ConsecutiveBreakerState) => void): () => void;
}

/** A consecutive-failure breaker on `clock` (see {@link ConsecutiveBreaker}). */
export function createConsecutiveBreaker(options: Partial<ConsecutiveBreakerOptions>, clock: Clock): ConsecutiveBreaker {
  const { failures, openMs } = { ...defaultConsecutiveBreakerOptions, ...options };
  if (!(Number.isInteger(failures) && failures >= 1) || !(openMs > 0)) {
    throw new RangeError(`consecutive breaker needs failures ≥ 1 (whole) and openMs > 0, got failures ${failures}, openMs ${openMs}`);
  }
  const listeners = new Set<(state: ConsecutiveBreakerState) => void>();
  let state: ConsecutiveBreakerState = 'closed';
  let run = 0;
  let openUntil = 0;
  let trialOut = false;

  const move = (to: ConsecutiveBreakerState) => {
    if (to === state) return;
    state = to;
    for (const l of [...listeners]) l(to);
  };
  const close = () => {
    run = 0;
    move('closed');
  };
  const open = () => {
    openUntil = clock.now() + openMs;
    move('open');
  };

  /** `kind`: a closed-state call, the half-open trial, or a probe past the state. */
  const permit = (kind: 'call' | 'trial' | 'probe'): ConsecutivePermit => {
    let ended = false;
    const end = (fn: () => void) => {
      if (ended) return;
      ended = true;
      if (kind === 'trial') trialOut = false;
      fn();
    };
    return {
      success: () =>
        end(() => {
          // A call started before the breaker opened says nothing about the link now.
          if (state === 'open' && kind === 'call') return;
          close();
        }),
      failure: () =>
        end(() => {
          run++;
          if (kind === 'trial' || state === 'half-open' || (state === 'closed' && run >= failures)) open();
        }),
      neutral: () => end(() => undefined),
    };
  };

  return {
    tryStart() {
      if (state === 'open' && clock.now() >= openUntil) move('half-open');
      if (state === 'closed') return permit('call');
      if (state === 'half-open' && !trialOut) {
        trialOut = true;
        return permit('trial');
      }
      return undefined;
    },
    probe: () => permit('probe'),
    reset: close,
    get state() {
      return state;
    },
    get suspect() {
      return run > 0;
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

import type { Clock } from '@ultra/core';

export type LinkState = 'closed' | 'open' | 'half-open';

/** Options of {@link createLinkBreaker}. */
export interface LinkBreakerOptions {
  /** Failed calls in a row that open the breaker. Default 3. */
  failures: number;
  /** How long it stays open before one trial call is let through, in ms. Default 1000. */
  openMs: number;
}

export const defaultLinkBreakerOptions: LinkBreakerOptions = Object.freeze({ failures: 3, openMs: 1_000 });

/** One call the breaker let through; exactly one of its methods is called when it ends. */
export interface LinkPermit {
  success(): void;
  /** The link failed the call (refused, reset, no answer in time). */
  failure(): void;
  /** The call ended in a way that says nothing about the link (the caller cancelled, an application error). */
  neutral(): void;
}

/**
 * A breaker on the router's link to one of its own services (the cache, the
 * provider-agent): after `failures` failed calls in a row it refuses calls for `openMs`,
 * so that the request path skips a dead service at once instead of dialling it on every
 * request, then lets one trial call through, whose success closes it. Any call the
 * service answered closes it and resets the count.
 */
export interface LinkBreaker {
  /** A permit for a call now, or undefined while open (or while the half-open trial is out). */
  tryStart(): LinkPermit | undefined;
  readonly state: LinkState;
  /** Whether the last call that ended failed: the link is suspect, though not yet open. */
  readonly suspect: boolean;
  /** Epoch ms the open period ends (when open). */
  readonly openUntil: number;
  /**
   * The service was heard from another way (a message on a stream over the same link):
   * it is up and reachable, so the breaker closes at once rather than at its next trial.
   */
  heard(): void;
  /** Calls `listener` on every change of state; returns the unsubscribe function. */
  onChange(listener: (state: LinkState) => void): () => void;
}

export function createLinkBreaker(options: Partial<LinkBreakerOptions>, clock: Clock): LinkBreaker {
  const { failures, openMs } = { ...defaultLinkBreakerOptions, ...options };
  const listeners = new Set<(state: LinkState) => void>();
  let state: LinkState = 'closed';
  let run = 0;
  let openUntil = 0;
  let trialOut = false;

  const move = (to: LinkState) => {
    if (to === state) return;
    state = to;
    for (const l of [...listeners]) l(to);
  };
  const open = () => {
    openUntil = clock.now() + openMs;
    move('open');
  };

  const permit = (trial: boolean): LinkPermit => {
    let ended = false;
    const end = (fn: () => void) => {
      if (ended) return;
      ended = true;
      if (trial) trialOut = false;
      fn();
    };
    return {
      success: () =>
        end(() => {
          // A call started before the breaker opened says nothing about the link now.
          if (state === 'open' && !trial) return;
          run = 0;
          move('closed');
        }),
      failure: () =>
        end(() => {
          run++;
          if (trial || (state === 'closed' && run >= failures)) open();
        }),
      neutral: () => end(() => undefined),
    };
  };

  return {
    tryStart() {
      if (state === 'open' && clock.now() >= openUntil) move('half-open');
      if (state === 'closed') return permit(false);
      if (state === 'half-open' && !trialOut) {
        trialOut = true;
        return permit(true);
      }
      return undefined;
    },
    get state() {
      return state;
    },
    heard() {
      run = 0;
      move('closed');
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

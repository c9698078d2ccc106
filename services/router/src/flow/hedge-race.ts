import type { Attempt } from '@ultra/contracts/chat';
import type { Clock } from '@ultra/core';
import type { HedgeAt, Hedging } from './hedging.ts';
import type { AttemptStart, Launch } from './launch.ts';

/** How a hedged step ended: the launch that started first (the other cancelled), or every launch failed. */
export interface RaceResult<S> {
  readonly winner?: { readonly launch: Launch<S>; readonly value: S } | undefined;
  /** Launches that failed before the race was decided, in the order they failed, with their attempts. */
  readonly failed: readonly { readonly launch: Launch<S>; readonly attempts: Attempt[] }[];
  /** Whether the hedge was sent. */
  readonly hedged: boolean;
}

export interface RaceDeps {
  clock: Clock;
  hedging: Hedging;
  /** Settles a launch's result (records it) and passes it on. */
  watch<S>(l: Launch<S>): Promise<AttemptStart<S>>;
  /** A launch that started after the race was decided: close it, it was cancelled. */
  late<S>(l: Launch<S>, r: AttemptStart<S> & { ok: true }): void;
}

/**
 * Runs `first` and, when it has not started (first token, or whole answer) by the plan's
 * first moment the budget allows, also `hedge()`: the first launch to start wins and the
 * other is cancelled (its agent call aborted). When the first fails before the hedge is
 * due, no hedge is sent: the engine fails over as usual.
 */
export function race<S>(deps: RaceDeps, first: Launch<S>, hedge: () => Launch<S>, plan: readonly HedgeAt[]): Promise<RaceResult<S>> {
  const { clock, hedging } = deps;
  return new Promise((resolve) => {
    const failed: { launch: Launch<S>; attempts: Attempt[] }[] = [];
    let second: Launch<S> | undefined;
    let pending = 1;
    let done = false;
    let timer: unknown;

    const settle = (l: Launch<S>, r: AttemptStart<S>) => {
      if (done) {
        if (r.ok) deps.late(l, r);
        return;
      }
      if (r.ok) {
        done = true;
        clock.clearTimeout(timer);
        for (const other of [first, second]) if (other && other !== l) other.abort.abort();
        resolve({ winner: { launch: l, value: r.value }, failed, hedged: second !== undefined });
        return;
      }
      failed.push({ launch: l, attempts: r.attempts });
      if (--pending > 0) return;
      done = true;
      clock.clearTimeout(timer);
      resolve({ failed, hedged: second !== undefined });
    };

    const schedule = (k: number, elapsedMs: number) => {
      const at = plan[k];
      if (!at) return;
      timer = clock.setTimeout(() => {
        if (done || first.abort.signal.aborted) return;
        if (!hedging.mayStart(at)) return schedule(k + 1, at.delayMs);
        const l = hedge();
        second = l;
        pending++;
        void deps.watch(l).then((r) => settle(l, r));
      }, at.delayMs - elapsedMs);
    };

    void deps.watch(first).then((r) => settle(first, r));
    schedule(0, 0);
  });
}

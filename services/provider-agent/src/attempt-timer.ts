import { linkedAbort, type Clock } from '@ultra/core';

/**
 * The signal one provider call runs under: aborted when the caller's signal aborts, or
 * with a `TimeoutError` (which the adapters classify as TIMEOUT) when the agent's own
 * timer runs out. The timer runs on the injected clock and can be re-armed, e.g. from
 * the first-token timeout to the idle timeout once a stream has started.
 */
export interface AttemptTimer {
  readonly signal: AbortSignal;
  /** What ran out, e.g. `no first token within 15s`, once the timer fired. */
  readonly expired: string | undefined;
  /** Why the call was rescued (cut to fail over elsewhere), once `rescue` was called. */
  readonly rescued: string | undefined;
  /** Cuts the call now so it can fail over: the provider was found sick while it waited. */
  rescue(detail: string): void;
  /** Re-arms the timer: `ms` from now (0 or less: no timer), `what` naming it for errors. */
  arm(ms: number, what: string): void;
  /** Clears the timer and stops following the caller's signal; call on every way out. */
  dispose(): void;
}

export function createAttemptTimer(clock: Clock, caller: AbortSignal | undefined, ms: number, what: string): AttemptTimer {
  // (follows the caller until dispose(): no AbortSignal.any per call)
  const own = linkedAbort(caller);
  const { signal } = own;
  let handle: unknown;
  let expired: string | undefined;
  let rescued: string | undefined;
  const timer: AttemptTimer = {
    signal,
    get expired() {
      return expired;
    },
    get rescued() {
      return rescued;
    },
    rescue(detail) {
      if (signal.aborted) return;
      clock.clearTimeout(handle);
      handle = undefined;
      rescued = detail;
      own.abort(new DOMException(detail, 'AbortError'));
    },
    arm(next, label) {
      clock.clearTimeout(handle);
      handle = undefined;
      if (next <= 0 || signal.aborted) return;
      handle = clock.setTimeout(() => {
        expired = label;
        own.abort(new DOMException(label, 'TimeoutError'));
      }, next);
    },
    dispose() {
      clock.clearTimeout(handle);
      handle = undefined;
      own.unlink();
    },
  };
  timer.arm(ms, what);
  return timer;
}

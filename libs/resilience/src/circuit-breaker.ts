import type { Outcome } from '@ultra/contracts/chat';
import type { Clock } from '@ultra/core';
import { createActor, type SnapshotFrom } from 'xstate';
import { breakerMachine, permitFor, type BreakerMachine } from './breaker-machine.ts';
import { resolveBreakerOptions, windowConfigOf, type BreakerOptions } from './breaker-options.ts';
import type { BreakerSnapshot } from './breaker-snapshot.ts';
import type { BreakerPermit, BreakerState, CallMetrics, ForceMode, RejectReason } from './breaker-types.ts';
import { windowCounts } from './sliding-window.ts';

/** The answer to {@link CircuitBreaker.tryAcquire}. */
export type Admission =
  | { readonly allowed: true; readonly permit: BreakerPermit }
  | {
      readonly allowed: false;
      readonly reason: RejectReason;
      /** Milliseconds until the breaker will let calls through again (a hint when half-open or forced open). */
      readonly retryAfterMs: number;
    };

/** A change of state, told to {@link CircuitBreaker.subscribe} listeners. */
export interface BreakerTransition {
  readonly from: BreakerState;
  readonly to: BreakerState;
  /** Epoch ms of the change. */
  readonly at: number;
  /** Epoch ms the open period ends, when `to` is `open`. */
  readonly openUntil?: number;
}

/** What the breaker currently sees, for telemetry and the agent's published state. */
export interface BreakerStats {
  readonly state: BreakerState;
  /** Calls in the window, and how many of them failed or were slow. */
  readonly calls: number;
  readonly failures: number;
  readonly slowCalls: number;
  readonly consecutiveFailures: number;
  readonly consecutiveTrips: number;
  /** Epoch ms the open period ends, when open. */
  readonly openUntil?: number;
}

export interface CircuitBreaker {
  /** Asks to make a call. Settle an admitted permit exactly once, with `onSuccess` or `onFailure`. */
  tryAcquire(): Admission;
  /** The provider answered; `metrics` decide whether it was slow. */
  onSuccess(permit: BreakerPermit, metrics: CallMetrics): void;
  /**
   * The call ended without an answer. Outcomes outside `failureOutcomes` (client errors,
   * cancellation) count as neither success nor failure and leave the failure run as it is.
   */
  onFailure(permit: BreakerPermit, outcome: Outcome, details?: { readonly retryAfterMs?: number }): void;
  /**
   * The call has waited past `slowTtftMs` with no first token and still waits: it counts
   * now as a slow call and one more in the failure run (a half-open probe fails at once).
   * Its `onSuccess` / `onFailure` later settles the permit without counting it again. At
   * most once per permit; nothing after the permit is settled.
   */
  onSlow(permit: BreakerPermit): void;
  readonly state: BreakerState;
  stats(): BreakerStats;
  /** A plain JSON-safe object for persistence; see {@link CircuitBreaker.restore}. */
  snapshot(): BreakerSnapshot;
  /** Takes up a snapshot: open stays open until the same `openUntil` (half-open if that has passed). */
  restore(snapshot: BreakerSnapshot): void;
  /** Operator override, held until `force('auto')`. */
  force(mode: ForceMode): void;
  /**
   * The provider answers its active health probes again after failing them. An open
   * breaker half-opens now, so probe calls can close it, instead of waiting out an open
   * time that grew over a long outage (unless a provider's Retry-After holds it open).
   * Does nothing in any other state.
   */
  recovered(): void;
  /** Calls `listener` on every change of state; returns the unsubscribe function. Listeners must not call `tryAcquire`. */
  subscribe(listener: (change: BreakerTransition) => void): () => void;
  /** Stops the machine and its timer. */
  stop(): void;
}

export interface CircuitBreakerDeps {
  /** Time for events and for the open timer. */
  readonly clock: Clock;
  /** A machine swapped through `.provide()`, e.g. in tests. Default {@link breakerMachine}. */
  readonly machine?: BreakerMachine;
}

/** A circuit breaker over {@link breakerMachine}, answering synchronously. */
export function createCircuitBreaker(options: Partial<BreakerOptions>, deps: CircuitBreakerDeps): CircuitBreaker {
  const { clock } = deps;
  const resolved = resolveBreakerOptions(options);
  const actor = createActor(deps.machine ?? breakerMachine, { input: { options: resolved }, clock });
  // In `closed` (and `disabled`), breakerMachine answers ACQUIRE with a permit of the
  // current epoch and changes nothing: that answer is given here without a send, which
  // on the miss path was about 2 % of a process's CPU. A machine given through `deps`
  // (tests, `.provide()`) always gets the event.
  const admitsFreely = deps.machine === undefined ? (s: SnapshotFrom<BreakerMachine>) => s.status === 'active' && (s.value === 'closed' || s.value === 'disabled') : () => false;
  const listeners = new Set<(change: BreakerTransition) => void>();
  const settled = new WeakSet<BreakerPermit>();
  const markedSlow = new WeakSet<BreakerPermit>();
  let reply: Admission | undefined;
  let notifying = false;

  const stateOf = (s: SnapshotFrom<BreakerMachine>): BreakerState => s.value;
  const currentState = () => stateOf(actor.getSnapshot());
  let last = currentState();

  actor.on('admitted', (e) => (reply = { allowed: true, permit: e.permit }));
  actor.on('rejected', (e) => (reply = { allowed: false, reason: e.reason, retryAfterMs: e.retryAfterMs }));
  actor.subscribe((s) => {
    const to = stateOf(s);
    if (to === last) return;
    const change: BreakerTransition = {
      from: last,
      to,
      at: clock.now(),
      ...(to === 'open' && s.context.openUntil !== undefined ? { openUntil: s.context.openUntil } : {}),
    };
    last = to;
    // Every listener hears the change even if one throws; the first error is rethrown after.
    const errors: unknown[] = [];
    notifying = true;
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch (e) {
        errors.push(e);
      }
    }
    notifying = false;
    if (errors.length > 0) throw errors[0];
  });
  actor.start();

  // The answer arrives through an emitted event while `send` runs; read it through a function
  // so the compiler does not take it for the `undefined` it was set to before the send.
  const takeReply = (): Admission | undefined => {
    const answer = reply;
    reply = undefined;
    return answer;
  };

  const settle = (permit: BreakerPermit): boolean => {
    if (settled.has(permit)) return false;
    settled.add(permit);
    return true;
  };

  return {
    tryAcquire() {
      if (notifying) throw new Error('tryAcquire() was called from inside a breaker listener; call it after the listener returns');
      reply = undefined;
      const now = actor.getSnapshot();
      if (admitsFreely(now)) return { allowed: true, permit: permitFor(now.context, clock.now(), false) };
      actor.send({ type: 'ACQUIRE', at: clock.now() });
      const answer = takeReply();
      if (!answer) throw new Error(`the breaker gave no answer to ACQUIRE in state ${last}`);
      return answer;
    },
    onSuccess(permit, metrics) {
      if (settle(permit)) actor.send({ type: 'SUCCESS', at: clock.now(), permit, metrics, counted: markedSlow.has(permit) });
    },
    onFailure(permit, outcome, details = {}) {
      if (!settle(permit)) return;
      const retryAfter = details.retryAfterMs !== undefined ? { retryAfterMs: details.retryAfterMs } : {};
      actor.send({ type: 'FAILURE', at: clock.now(), permit, outcome, counted: markedSlow.has(permit), ...retryAfter });
    },
    onSlow(permit) {
      if (settled.has(permit) || markedSlow.has(permit)) return;
      markedSlow.add(permit);
      actor.send({ type: 'SLOW_WAIT', at: clock.now(), permit });
    },
    get state() {
      return currentState();
    },
    stats() {
      const { context: c } = actor.getSnapshot();
      const counts = windowCounts(c.window, windowConfigOf(c.options), clock.now());
      const state = currentState();
      return {
        state,
        calls: counts.calls,
        failures: counts.failures,
        slowCalls: counts.slow,
        consecutiveFailures: c.consecutiveFailures,
        consecutiveTrips: c.consecutiveTrips,
        ...(state === 'open' && c.openUntil !== undefined ? { openUntil: c.openUntil } : {}),
      };
    },
    snapshot() {
      const { context: c } = actor.getSnapshot();
      const state = currentState();
      if (state === 'open' && c.openedAt !== undefined && c.openUntil !== undefined) {
        return { version: 1, state, openedAt: c.openedAt, openUntil: c.openUntil, consecutiveTrips: c.consecutiveTrips };
      }
      return { version: 1, state, consecutiveTrips: c.consecutiveTrips };
    },
    restore(snapshot) {
      actor.send({ type: 'RESTORE', at: clock.now(), snapshot });
    },
    force(mode) {
      actor.send({ type: 'FORCE', at: clock.now(), mode });
    },
    recovered() {
      actor.send({ type: 'RECOVERED', at: clock.now() });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      actor.stop();
    },
  };
}

import type { Outcome } from '@ultra/contracts/chat';
import type { BreakerOptions } from './breaker-options.ts';
import type { BreakerSnapshot } from './breaker-snapshot.ts';
import type { WindowState } from './sliding-window.ts';

/**
 * Where a breaker stands. `closed`, `open` and `half-open` are automatic; `forced-open`,
 * `disabled` (lets everything through, records nothing) and `metrics-only` (records,
 * never trips) are set by an operator and held until `force('auto')`.
 */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'forced-open' | 'disabled' | 'metrics-only';

/** What an operator may force. `'auto'` hands control back to the breaker (closed). */
export type ForceMode = 'open' | 'closed' | 'disabled' | 'metrics-only' | 'auto';

/** Why a call was turned away. */
export type RejectReason = 'open' | 'half-open' | 'forced-open';

/**
 * The ticket for one admitted call; hand it back to `onSuccess` or `onFailure` exactly
 * once. Results of permits from an earlier period (before a trip, a half-open or a
 * force) are not counted, so a slow call that outlives a state change cannot skew the next.
 */
export interface BreakerPermit {
  /** The admission period the permit belongs to. */
  readonly epoch: number;
  /** True for a half-open probe. */
  readonly probe: boolean;
  /** Epoch ms when it was issued. */
  readonly issuedAt: number;
}

/** What a successful call reports. */
export interface CallMetrics {
  /** Whole call, milliseconds. Reported for telemetry; a long answer alone is not a sick provider. */
  readonly latencyMs: number;
  /** Time to first token, milliseconds (streaming calls). */
  readonly ttftMs?: number;
  /** Output tokens per second over the stream; leave out for answers too short to measure. */
  readonly tokensPerSecond?: number;
}

/** The machine's context: plain data, replaced (never mutated) on every change. */
export interface BreakerContext {
  readonly options: BreakerOptions;
  readonly window: WindowState;
  /** Provider failures since the last success (ignored outcomes neither add nor reset). */
  readonly consecutiveFailures: number;
  /** Trips since the breaker last closed through half-open; 1 on the first trip. */
  readonly consecutiveTrips: number;
  /** Epoch ms when the current open period started. */
  readonly openedAt: number | undefined;
  /** Epoch ms when the current open period ends. */
  readonly openUntil: number | undefined;
  /** Admission period; bumped on entering closed, half-open and metrics-only. */
  readonly epoch: number;
  readonly probesInFlight: number;
  readonly probeSuccesses: number;
}

/** Events the machine accepts. Every one carries `at`, the epoch ms it happened at. */
export type BreakerEvent =
  | { readonly type: 'ACQUIRE'; readonly at: number }
  /** `counted`: the call was already recorded slow while it waited (`SLOW_WAIT`); only a success's reset of the failure run remains. */
  | { readonly type: 'SUCCESS'; readonly at: number; readonly permit: BreakerPermit; readonly metrics: CallMetrics; readonly counted?: boolean }
  | {
      readonly type: 'FAILURE';
      readonly at: number;
      readonly permit: BreakerPermit;
      readonly outcome: Outcome;
      readonly retryAfterMs?: number;
      readonly counted?: boolean;
    }
  /**
   * The call has waited past `slowTtftMs` with no first token and is still waiting: it is
   * recorded now as a slow call and lengthens the run of consecutive failures, so a hang
   * trips the breaker in seconds rather than when its calls finally time out.
   */
  | { readonly type: 'SLOW_WAIT'; readonly at: number; readonly permit: BreakerPermit }
  | { readonly type: 'FORCE'; readonly at: number; readonly mode: ForceMode }
  /** The provider answers its health probes again after failing them: an open breaker half-opens now. */
  | { readonly type: 'RECOVERED'; readonly at: number }
  | { readonly type: 'RESTORE'; readonly at: number; readonly snapshot: BreakerSnapshot };

/** Events the machine emits in answer to `ACQUIRE` (read them with `actor.on`). */
export type BreakerEmitted =
  | { readonly type: 'admitted'; readonly permit: BreakerPermit }
  | { readonly type: 'rejected'; readonly reason: RejectReason; readonly retryAfterMs: number };

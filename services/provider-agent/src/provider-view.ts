import { create } from '@bufbuild/protobuf';
import { BreakerState as WireBreakerState, ForceMode as WireForceMode, ProviderStateSchema, type ProviderState } from '@ultra/contracts/provider-agent';
import type { BreakerState, ForceMode } from '@ultra/resilience';

/** What the agent publishes about one provider (WatchProviders, GetProviders). */
export interface ProviderView {
  readonly name: string;
  /** The wire format: openai, anthropic, gemini or cohere. */
  readonly type: string;
  readonly breaker: BreakerState;
  /** By the active health probe (`health_check`). */
  readonly healthy: boolean;
  /** Why the provider is unhealthy or unavailable, for people; empty otherwise. */
  readonly detail: string;
  /** Requests the agent is handling for it, queued and backing off included. */
  readonly inFlight: number;
  /** Failed / all calls in the breaker's window, 0..1. */
  readonly errorRatio: number;
  /** Over the last 256 successful calls. Milliseconds. */
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Until the breaker lets calls through again: exact when open, `open_max` when forced open, else 0. Milliseconds. */
  readonly retryAfterMs: number;
  readonly simulated: boolean;
  readonly models: readonly string[];
  /** The retry budget allows no retries now. */
  readonly retryBudgetExhausted: boolean;
  /** Calls allowed at once now: the adaptive limit's value, or the fixed `bulkhead.limit`. */
  readonly concurrencyLimit: number;
  /** Calls waiting for a slot. */
  readonly queued: number;
}

const WIRE_STATES: Record<BreakerState, WireBreakerState> = {
  closed: WireBreakerState.CLOSED,
  open: WireBreakerState.OPEN,
  'half-open': WireBreakerState.HALF_OPEN,
  'forced-open': WireBreakerState.FORCED_OPEN,
  disabled: WireBreakerState.DISABLED,
  'metrics-only': WireBreakerState.METRICS_ONLY,
};

const FORCE_MODES: Partial<Record<WireForceMode, ForceMode>> = {
  [WireForceMode.AUTO]: 'auto',
  [WireForceMode.OPEN]: 'open',
  [WireForceMode.CLOSED]: 'closed',
  [WireForceMode.DISABLED]: 'disabled',
  [WireForceMode.METRICS_ONLY]: 'metrics-only',
};

/** The breaker's force mode for a wire `ForceMode`, or undefined for UNSPECIFIED and unknown values. */
export function forceModeOf(mode: WireForceMode): ForceMode | undefined {
  return FORCE_MODES[mode];
}

export function toProviderState(v: ProviderView): ProviderState {
  return create(ProviderStateSchema, {
    name: v.name,
    type: v.type,
    breaker: WIRE_STATES[v.breaker],
    healthy: v.healthy,
    detail: v.detail,
    inFlight: v.inFlight,
    errorRatio: v.errorRatio,
    latencyP50Ms: v.latencyP50Ms,
    latencyP99Ms: v.latencyP99Ms,
    retryAfterMs: v.retryAfterMs,
    simulated: v.simulated,
    models: [...v.models],
    retryBudgetExhausted: v.retryBudgetExhausted,
    concurrencyLimit: v.concurrencyLimit,
    queued: v.queued,
  });
}

import { create } from '@bufbuild/protobuf';
import { BreakerState, ProviderStateSchema, type ProviderState } from '@ultra/contracts/provider-agent';

/** One agent's last word on a provider, and when the router heard it (epoch ms). */
export interface HeardState {
  readonly state: ProviderState;
  readonly at: number;
}

/** Which breaker wins the merge: the first of these that any agent reports. */
const BY_CAUTION: readonly BreakerState[] = [
  BreakerState.FORCED_OPEN,
  BreakerState.OPEN,
  BreakerState.HALF_OPEN,
  BreakerState.CLOSED,
  BreakerState.METRICS_ONLY,
  BreakerState.DISABLED,
  BreakerState.UNSPECIFIED,
];

const isOpen = (b: BreakerState) => b === BreakerState.OPEN || b === BreakerState.FORCED_OPEN;

/**
 * One provider as the whole fleet of agents reports it, for a router that hears every
 * agent (each `WatchProviders` stream is one `HeardState`). A provider is open if any
 * agent has it open (the most cautious breaker wins: forced open, open, half-open,
 * closed, ...), open until the latest end any of them gives (`retryAfterMs` counted from
 * `now`); healthy only if every agent finds it healthy; calls in flight, queued and the
 * concurrency limits add up; error ratio and latencies are the worst any agent sees.
 * Undefined when no agent has spoken of it.
 */
export function mergeAgentStates(heard: readonly HeardState[], now: number): ProviderState | undefined {
  const first = heard[0];
  if (!first) return undefined;
  if (heard.length === 1) {
    const { state, at } = first;
    return at === now ? state : create(ProviderStateSchema, { ...state, retryAfterMs: Math.max(0, at + state.retryAfterMs - now) });
  }
  const states = heard.map((h) => h.state);
  const breaker = BY_CAUTION.find((b) => states.some((s) => s.breaker === b)) ?? BreakerState.UNSPECIFIED;
  const retryAfterMs = isOpen(breaker)
    ? Math.max(0, ...heard.filter((h) => h.state.breaker === breaker).map((h) => h.at + h.state.retryAfterMs - now))
    : Math.max(0, ...heard.map((h) => h.at + h.state.retryAfterMs - now));
  const sick = states.find((s) => !s.healthy);
  const sum = (pick: (s: ProviderState) => number) => states.reduce((n, s) => n + pick(s), 0);
  const worst = (pick: (s: ProviderState) => number) => Math.max(...states.map(pick));
  return create(ProviderStateSchema, {
    name: first.state.name,
    type: first.state.type,
    breaker,
    healthy: sick === undefined,
    detail: sick?.detail ?? '',
    inFlight: sum((s) => s.inFlight),
    errorRatio: worst((s) => s.errorRatio),
    latencyP50Ms: worst((s) => s.latencyP50Ms),
    latencyP99Ms: worst((s) => s.latencyP99Ms),
    retryAfterMs,
    simulated: first.state.simulated,
    models: [...new Set(states.flatMap((s) => s.models))],
    retryBudgetExhausted: states.every((s) => s.retryBudgetExhausted),
    concurrencyLimit: sum((s) => s.concurrencyLimit),
    queued: sum((s) => s.queued),
  });
}

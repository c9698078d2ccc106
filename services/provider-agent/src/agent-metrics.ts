import type { Meter } from '@opentelemetry/api';
import type { BreakerState } from '@ultra/resilience';
import { attemptTallies } from './attempt-span.ts';
import type { ProviderView } from './provider-view.ts';

const STATES: readonly BreakerState[] = ['closed', 'open', 'half-open', 'forced-open', 'disabled', 'metrics-only'];

/**
 * The agent's Prometheus metrics, all read when scraped (nothing on the call path but the
 * attempt tallies): each provider's breaker state (one series per state, 1 for the
 * current one), health, calls in flight, the concurrency limit and its queue, error ratio, and attempts and retries by
 * provider and outcome; with other agents (Redis), the fleet's size and this agent's share of
 * the bulkheads.
 */
export function registerAgentMetrics(meter: Meter, views: () => readonly ProviderView[], fleetSize?: () => number): void {
  if (fleetSize) {
    meter
      .createObservableGauge('ultra_agent_fleet_size', { description: 'Provider-agent replicas alive (Redis heartbeats), this one included' })
      .addCallback((r) => r.observe(fleetSize()));
    meter
      .createObservableGauge('ultra_agent_bulkhead_share', { description: "This agent's share of every bulkhead limit: 1 / the live agents (its limit is ceil(limit × share))" })
      .addCallback((r) => r.observe(1 / Math.max(1, fleetSize())));
  }
  meter
    .createObservableGauge('ultra_breaker_state', { description: "Circuit breaker state per provider: 1 for the state it is in, 0 for the others" })
    .addCallback((r) => {
      for (const v of views()) for (const state of STATES) r.observe(v.breaker === state ? 1 : 0, { provider: v.name, state });
    });
  meter
    .createObservableGauge('ultra_provider_healthy', { description: 'Whether the active health probe finds the provider healthy (1) or not (0)' })
    .addCallback((r) => {
      for (const v of views()) r.observe(v.healthy ? 1 : 0, { provider: v.name });
    });
  meter
    .createObservableGauge('ultra_provider_in_flight', { description: 'Requests the agent is handling per provider, queued and backing off included' })
    .addCallback((r) => {
      for (const v of views()) r.observe(v.inFlight, { provider: v.name });
    });
  meter
    .createObservableGauge('ultra_provider_concurrency_limit', { description: "Calls the agent lets run at once per provider: the adaptive limit's current value (or the fixed bulkhead.limit)" })
    .addCallback((r) => {
      for (const v of views()) r.observe(v.concurrencyLimit, { provider: v.name });
    });
  meter
    .createObservableGauge('ultra_provider_queued', { description: 'Calls waiting for a concurrency slot per provider' })
    .addCallback((r) => {
      for (const v of views()) r.observe(v.queued, { provider: v.name });
    });
  meter
    .createObservableGauge('ultra_provider_error_ratio', { description: "Failed share of the calls in the breaker's window, 0..1" })
    .addCallback((r) => {
      for (const v of views()) r.observe(v.errorRatio, { provider: v.name });
    });
  meter
    .createObservableCounter('ultra_agent_attempts', { description: 'Attempts through a provider breaker, by provider and outcome (refusals by the breaker included)' })
    .addCallback((r) => {
      for (const t of attemptTallies()) r.observe(t.attempts, { provider: t.provider, outcome: t.outcome });
    });
  meter
    .createObservableCounter('ultra_agent_retries', { description: 'Attempts after the first of a call (retries), by provider and outcome' })
    .addCallback((r) => {
      for (const t of attemptTallies()) r.observe(t.retries, { provider: t.provider, outcome: t.outcome });
    });
}

import { Outcome } from '@ultra/contracts/chat';
import { BreakerState, type ProviderState } from '@ultra/contracts/provider-agent';
import type { Clock } from '@ultra/core';
import { PROVIDER_FAILURE_OUTCOMES } from '@ultra/resilience';
import { mergeAgentStates, type HeardState } from '../links/agent-merge.ts';
import { LATENCY_MIN_CALLS, latencyOutliers, OutcomeWindow, successRateOutliers, type OutlierOptions } from './outlier.ts';

/** Why a provider is not given normal traffic right now. */
export type Standing =
  | { kind: 'available' }
  | { kind: 'ramping'; share: number }
  | { kind: 'cooling-down'; until: number }
  | { kind: 'ejected'; until: number }
  | { kind: 'rate-limited'; until: number }
  | { kind: 'breaker-open'; until: number }
  | { kind: 'unhealthy'; detail: string };

interface Record_ {
  name: string;
  tier: string;
  agent?: ProviderState | undefined;
  agentSeenAt: number;
  /** Each agent's last state of it, by agent endpoint; `agent` is their merge. */
  heard: Map<string, HeardState>;
  inFlight: number;
  latencyMs: number | undefined;
  consecutiveFailures: number;
  window: OutcomeWindow;
  ejectedUntil: number;
  ejections: number;
  cooldownUntil: number;
  rampUntil: number;
  rateLimitedUntil: number;
}

export interface ProviderBookOptions {
  clock: Clock;
  outlier: OutlierOptions;
  /** No normal traffic to a provider the router failed over away from, for this long (ms). */
  cooldownMs: number;
  /** After the cooldown, traffic returns linearly over this long (ms). */
  rampMs: number;
  /** Weight of the newest latency sample in the moving average, 0..1. Default 0.2. */
  latencyAlpha?: number;
}

/**
 * Outcomes that say the provider itself is unwell (the caller's own mistakes do not count):
 * the set the agent's breakers count by default. Not UNAVAILABLE: no call reached the
 * provider (its breaker at the agent is open, which the agent's published state already
 * says, or the router could not reach the agent at all, which says nothing of any provider
 * and must not eject every one of them).
 */
const UNWELL: ReadonlySet<Outcome> = new Set(PROVIDER_FAILURE_OUTCOMES);

/**
 * What this router knows of each provider: the agent's published state, and its own
 * results (in-flight, latency, outlier ejection, cooldown after failover, rate limits).
 */
export function createProviderBook(tiers: readonly { name: string; providers: readonly string[] }[], options: ProviderBookOptions) {
  const { clock, outlier } = options;
  const alpha = options.latencyAlpha ?? 0.2;
  const records = new Map<string, Record_>();
  for (const tier of tiers) {
    for (const name of tier.providers) {
      records.set(name, {
        name,
        tier: tier.name,
        agentSeenAt: 0,
        heard: new Map(),
        inFlight: 0,
        latencyMs: undefined,
        consecutiveFailures: 0,
        window: new OutcomeWindow(outlier.window),
        ejectedUntil: 0,
        ejections: 0,
        cooldownUntil: 0,
        rampUntil: 0,
        rateLimitedUntil: 0,
      });
    }
  }
  const tierOf = (tier: string) => [...records.values()].filter((r) => r.tier === tier);

  const eject = (r: Record_, now: number) => {
    const peers = tierOf(r.tier);
    const ejected = peers.filter((p) => p.ejectedUntil > now).length;
    if (ejected + 1 > Math.max(1, Math.floor(peers.length * outlier.maxEjectedShare))) return;
    r.ejections++;
    r.ejectedUntil = now + Math.min(outlier.maxEjectionMs, outlier.baseEjectionMs * r.ejections);
    r.consecutiveFailures = 0;
    r.window.clear();
    r.latencyMs = undefined; // judged afresh when it is back
  };

  const judgeTier = (tier: string, now: number) => {
    const rates = new Map<string, number>();
    for (const p of tierOf(tier)) {
      if (p.ejectedUntil <= now && p.window.count >= outlier.minRequests) rates.set(p.name, p.window.successRate);
    }
    for (const name of successRateOutliers(rates, outlier)) eject(records.get(name)!, now);
    const latencies = new Map<string, number>();
    for (const p of tierOf(tier)) {
      if (p.ejectedUntil <= now && p.latencyMs !== undefined && p.window.count >= LATENCY_MIN_CALLS) latencies.set(p.name, p.latencyMs);
    }
    for (const name of latencyOutliers(latencies, outlier)) eject(records.get(name)!, now);
  };

  return {
    has: (name: string) => records.has(name),

    /** An agent's published state of providers; `from` names the agent (its endpoint) when there are several. */
    updateFromAgent(states: readonly ProviderState[], from = '') {
      const now = clock.now();
      for (const s of states) {
        const r = records.get(s.name);
        if (!r) continue;
        r.heard.set(from, { state: s, at: now });
        r.agent = mergeAgentStates([...r.heard.values()], now);
        r.agentSeenAt = now;
      }
    },

    /** Agent `from` is gone (its stream ended): its word no longer counts. */
    forgetAgent(from: string) {
      const now = clock.now();
      for (const r of records.values()) {
        if (!r.heard.delete(from)) continue;
        r.agent = mergeAgentStates([...r.heard.values()], now);
        r.agentSeenAt = now;
      }
    },

    /** Records that a call started; returns the function that ends it. */
    begin(name: string): () => void {
      const r = records.get(name);
      if (!r) return () => undefined;
      r.inFlight++;
      let done = false;
      return () => {
        if (!done) r.inFlight--;
        done = true;
      };
    },

    /** Records how a call to `name` ended. */
    record(name: string, outcome: Outcome, latencyMs: number, retryAfterMs = 0) {
      const r = records.get(name);
      if (!r) return;
      const now = clock.now();
      if (outcome === Outcome.OK) {
        r.consecutiveFailures = 0;
        r.window.record(true);
        r.latencyMs = r.latencyMs === undefined ? latencyMs : r.latencyMs + alpha * (latencyMs - r.latencyMs);
        judgeTier(r.tier, now);
        return;
      }
      if (outcome === Outcome.RATE_LIMITED || (outcome === Outcome.UNAVAILABLE && retryAfterMs > 0)) {
        r.rateLimitedUntil = Math.max(r.rateLimitedUntil, now + retryAfterMs);
      }
      if (!UNWELL.has(outcome)) return;
      r.window.record(false);
      if (++r.consecutiveFailures >= outlier.consecutiveFailures) eject(r, now);
      else judgeTier(r.tier, now);
    },

    /** The router failed over away from `name`: no normal traffic for the cooldown, then a ramp. */
    failedOverFrom(name: string) {
      const r = records.get(name);
      if (!r || options.cooldownMs <= 0) return;
      const now = clock.now();
      r.cooldownUntil = now + options.cooldownMs;
      r.rampUntil = r.cooldownUntil + options.rampMs;
    },

    standing(name: string): Standing {
      const r = records.get(name);
      if (!r) return { kind: 'unhealthy', detail: 'not configured' };
      const now = clock.now();
      const a = r.agent;
      if (a && (a.breaker === BreakerState.OPEN || a.breaker === BreakerState.FORCED_OPEN)) {
        return { kind: 'breaker-open', until: r.agentSeenAt + a.retryAfterMs };
      }
      if (a && !a.healthy) return { kind: 'unhealthy', detail: a.detail };
      if (r.rateLimitedUntil > now) return { kind: 'rate-limited', until: r.rateLimitedUntil };
      if (r.ejectedUntil > now) return { kind: 'ejected', until: r.ejectedUntil };
      if (r.cooldownUntil > now) return { kind: 'cooling-down', until: r.cooldownUntil };
      if (r.rampUntil > now) return { kind: 'ramping', share: 1 - (r.rampUntil - now) / Math.max(1, options.rampMs) };
      return { kind: 'available' };
    },

    view(name: string) {
      const r = records.get(name)!;
      return { name, inFlight: r.inFlight, latencyMs: r.latencyMs };
    },
  };
}

export type ProviderBook = ReturnType<typeof createProviderBook>;

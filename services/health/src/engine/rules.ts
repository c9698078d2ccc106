import { Mode } from '@ultra/contracts/chat';

/** What the health service sees at one evaluation. */
export interface Observation {
  providers: readonly { name: string; tier: string; healthy: boolean }[];
  /** Tier names in order of preference. */
  tiers: readonly string[];
  services: readonly { name: string; serving: boolean }[];
  /** Whether Redis answers; undefined when Ultra runs without Redis. */
  redisUp?: boolean | undefined;
  /** Share of failed provider calls recently, 0..1, when known. */
  errorRatio?: number | undefined;
  /** p99 provider latency, ms, when known. */
  latencyP99Ms?: number | undefined;
  /** Jobs waiting in the queue, when known. */
  queueDepth?: number | undefined;
  /** Ultra's own replicas that report shedding load now, each with why. */
  constrained?: readonly { name: string; detail: string }[] | undefined;
}

/** Conditions of one mode; the mode applies when any set condition holds. */
export interface Conditions {
  /** Share of providers healthy, over all tiers, below this (0..1). */
  healthyShareBelow?: number | undefined;
  /** Every provider of the first tier unhealthy. */
  firstTierDown?: boolean | undefined;
  /** Every provider of some tier unhealthy. */
  anyTierDown?: boolean | undefined;
  /** Some Ultra service not serving. */
  anyServiceDown?: boolean | undefined;
  /** Redis unreachable. */
  redisDown?: boolean | undefined;
  errorRatioAbove?: number | undefined;
  latencyP99AboveMs?: number | undefined;
  queueDepthAbove?: number | undefined;
  /** Some Ultra replica short of resources (event-loop delay, requests in flight, memory) and shedding load. */
  resourceConstraints?: boolean | undefined;
}

export interface ModeRules {
  degraded: Conditions;
  critical: Conditions;
  outage: Conditions;
}

/** Defaults that make sense for two tiers of providers. */
export const DEFAULT_RULES: ModeRules = {
  degraded: { healthyShareBelow: 1, anyServiceDown: true, redisDown: true, errorRatioAbove: 0.2, latencyP99AboveMs: 30_000, queueDepthAbove: 1000, resourceConstraints: true },
  critical: { firstTierDown: true, healthyShareBelow: 0.5, queueDepthAbove: 10_000 },
  outage: { healthyShareBelow: 0.000001 },
};

/** The reasons `conditions` hold for `obs` (empty when none does). */
export function matching(conditions: Conditions, obs: Observation): string[] {
  const reasons: string[] = [];
  const total = obs.providers.length;
  const healthy = obs.providers.filter((p) => p.healthy).length;
  const share = total === 0 ? 1 : healthy / total;
  const tierDown = (tier: string) => {
    const list = obs.providers.filter((p) => p.tier === tier);
    return list.length > 0 && list.every((p) => !p.healthy);
  };
  if (conditions.healthyShareBelow !== undefined && share < conditions.healthyShareBelow) {
    reasons.push(healthy === 0 ? 'no provider is healthy' : `${healthy} of ${total} providers healthy`);
  }
  const first = obs.tiers[0];
  if (conditions.firstTierDown && first !== undefined && tierDown(first)) reasons.push(`every provider of tier ${first} is down`);
  if (conditions.anyTierDown) {
    for (const t of obs.tiers) if (tierDown(t)) reasons.push(`every provider of tier ${t} is down`);
  }
  if (conditions.anyServiceDown) {
    const down = obs.services.filter((s) => !s.serving).map((s) => s.name);
    if (down.length > 0) reasons.push(`not serving: ${down.join(', ')}`);
  }
  if (conditions.redisDown && obs.redisUp === false) reasons.push('Redis is unreachable');
  if (conditions.errorRatioAbove !== undefined && (obs.errorRatio ?? 0) > conditions.errorRatioAbove) {
    reasons.push(`error ratio ${Math.round((obs.errorRatio ?? 0) * 100)} %`);
  }
  if (conditions.latencyP99AboveMs !== undefined && (obs.latencyP99Ms ?? 0) > conditions.latencyP99AboveMs) {
    reasons.push(`p99 latency ${Math.round(obs.latencyP99Ms ?? 0)} ms`);
  }
  if (conditions.queueDepthAbove !== undefined && (obs.queueDepth ?? 0) > conditions.queueDepthAbove) {
    reasons.push(`${obs.queueDepth} jobs queued`);
  }
  if (conditions.resourceConstraints) for (const c of obs.constrained ?? []) reasons.push(`${c.name} is short of resources: ${c.detail}`);
  return [...new Set(reasons)];
}

/** The worst mode whose conditions hold, with why. */
export function evaluate(rules: ModeRules, obs: Observation): { mode: Mode; reason: string } {
  for (const [mode, conditions] of [
    [Mode.OUTAGE, rules.outage],
    [Mode.CRITICAL, rules.critical],
    [Mode.DEGRADED, rules.degraded],
  ] as const) {
    const reasons = matching(conditions, obs);
    if (reasons.length > 0) return { mode, reason: reasons.join('; ') };
  }
  return { mode: Mode.NORMAL, reason: '' };
}

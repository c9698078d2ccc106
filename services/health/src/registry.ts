import { ComponentStatus } from '@ultra/contracts/health';
import type { Observation } from './engine/rules.ts';

/** One watched component. */
export interface ComponentView {
  name: string;
  kind: 'service' | 'provider' | 'redis' | 'load';
  status: ComponentStatus;
  detail: string;
  /** For providers: the tier the provider is in, and its recent figures from the agent. */
  tier?: string;
  errorRatio?: number;
  latencyP99Ms?: number;
  /** For load reports: epoch ms last heard. */
  seenAt?: number;
}

/** The components the health service watches, and a callback on every change of status. */
export function createRegistry(onChange: () => void) {
  const components = new Map<string, ComponentView>();
  return {
    set(view: ComponentView) {
      const old = components.get(view.name);
      components.set(view.name, view);
      if (!old || old.status !== view.status || old.detail !== view.detail) onChange();
    },
    all: () => [...components.values()],
    /** Drops load reports last heard before `before` (epoch ms): a replica gone quiet is deemed calm. */
    expireLoad(before: number) {
      for (const [name, c] of components) {
        if (c.kind === 'load' && (c.seenAt ?? 0) < before) {
          components.delete(name);
          onChange();
        }
      }
    },
  };
}

export type Registry = ReturnType<typeof createRegistry>;

/** What the mode engine needs to know, from the registry. */
export function observationOf(registry: Registry, tiers: readonly string[]): Observation {
  const all = registry.all();
  const providers = all.filter((c) => c.kind === 'provider');
  const known = providers.filter((p) => p.errorRatio !== undefined);
  const redis = all.find((c) => c.kind === 'redis' && c.status !== ComponentStatus.STARTING);
  return {
    tiers,
    // A component not heard from yet (starting) is neither up nor down.
    providers: providers.filter((p) => p.status !== ComponentStatus.STARTING).map((p) => ({ name: p.name, tier: p.tier ?? '', healthy: p.status === ComponentStatus.SERVING })),
    services: all
      .filter((c) => c.kind === 'service' && c.status !== ComponentStatus.UNKNOWN && c.status !== ComponentStatus.STARTING)
      .map((s) => ({ name: s.name, serving: s.status === ComponentStatus.SERVING })),
    redisUp: redis ? redis.status === ComponentStatus.SERVING : undefined,
    errorRatio: known.length > 0 ? known.reduce((n, p) => n + (p.errorRatio ?? 0), 0) / known.length : undefined,
    latencyP99Ms: providers.reduce((m, p) => Math.max(m, p.latencyP99Ms ?? 0), 0) || undefined,
    constrained: all.filter((c) => c.kind === 'load' && c.status !== ComponentStatus.SERVING).map((c) => ({ name: c.name.replace(/^load:/, ''), detail: c.detail })),
  };
}

import type { Random } from '@ultra/core';

/** How the router spreads requests over the providers of one tier. */
export type StrategyName = 'round-robin' | 'weighted' | 'least-outstanding' | 'latency' | 'random';

/** What a strategy may know of a provider. */
export interface StrategyView {
  name: string;
  /** Requests this router has in flight to the provider. */
  inFlight: number;
  /** Moving average of the provider's latency, in ms; undefined before the first answer. */
  latencyMs: number | undefined;
}

export interface StrategyOptions {
  random: Random;
  /** Relative weights for `weighted`; a provider not listed weighs 1. */
  weights: Readonly<Record<string, number>>;
  /** Share of requests the `latency` strategy sends to a provider other than the fastest, 0..1. */
  explore: number;
}

/** Orders a tier's providers for one request, best first. */
export type Strategy = (providers: readonly StrategyView[]) => StrategyView[];

function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Weighted draw without replacement: the first is drawn in proportion to weight, and so on. */
function weightedOrder(items: StrategyView[], weight: (v: StrategyView) => number, random: Random): StrategyView[] {
  const pool = [...items];
  const out: StrategyView[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((s, v) => s + weight(v), 0);
    let r = random() * total;
    let i = 0;
    for (; i < pool.length - 1; i++) {
      r -= weight(pool[i]!);
      if (r < 0) break;
    }
    out.push(pool.splice(i, 1)[0]!);
  }
  return out;
}

/** Makes the named strategy; round-robin keeps its own position per set of providers. */
export function createStrategy(name: StrategyName, options: StrategyOptions): Strategy {
  const { random } = options;
  switch (name) {
    case 'round-robin': {
      const positions = new Map<string, number>();
      return (providers) => {
        const key = providers.map((p) => p.name).join(',');
        const n = positions.get(key) ?? 0;
        positions.set(key, (n + 1) % Math.max(1, providers.length));
        return providers.map((_, i) => providers[(n + i) % providers.length]!);
      };
    }
    case 'weighted':
      return (providers) => weightedOrder([...providers], (v) => Math.max(0, options.weights[v.name] ?? 1) || 1e-9, random);
    case 'least-outstanding':
      return (providers) => shuffle([...providers], random).sort((a, b) => a.inFlight - b.inFlight);
    case 'latency':
      return (providers) => {
        // Unmeasured providers first (they need a measurement), then fastest first.
        const sorted = shuffle([...providers], random).sort((a, b) => (a.latencyMs ?? -1) - (b.latencyMs ?? -1));
        if (sorted.length > 1 && random() < options.explore) {
          const i = 1 + Math.floor(random() * (sorted.length - 1));
          const [explored] = sorted.splice(i, 1);
          sorted.unshift(explored!);
        }
        return sorted;
      };
    case 'random':
      return (providers) => shuffle([...providers], random);
  }
}

import type { ProviderState } from '@ultra/contracts/provider-agent';

/**
 * What the router knows of each provider, from the agents' WatchProviders streams.
 * A provider never heard of counts as available: the agent will say otherwise.
 */
export function createProviderStates() {
  const states = new Map<string, ProviderState>();
  return {
    update(list: readonly ProviderState[]) {
      for (const s of list) states.set(s.name, s);
    },
    get: (name: string) => states.get(name),
    isAvailable(name: string): boolean {
      const s = states.get(name);
      return s === undefined || s.healthy;
    },
    all: () => [...states.values()],
  };
}

export type ProviderStates = ReturnType<typeof createProviderStates>;

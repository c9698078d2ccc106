import { ComponentStatus } from '@ultra/contracts/health';

/** One watched component. */
export interface ComponentView {
  name: string;
  kind: 'service' | 'provider' | 'redis';
  status: ComponentStatus;
  detail: string;
  /** For providers: the tier the provider is in. */
  tier?: string;
}

/** The components the health service watches, and a callback on every change. */
export function createRegistry(onChange: () => void) {
  const components = new Map<string, ComponentView>();
  return {
    set(view: ComponentView) {
      const old = components.get(view.name);
      if (old && old.status === view.status && old.detail === view.detail) return;
      components.set(view.name, view);
      onChange();
    },
    all: () => [...components.values()],
  };
}

export type Registry = ReturnType<typeof createRegistry>;

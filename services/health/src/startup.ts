import { ComponentStatus } from '@ultra/contracts/health';
import type { Clock } from '@ultra/core';
import type { Registry } from './registry.ts';

/** How long after the health service starts a configured component may stay silent before it is deemed down, ms. */
export const START_GRACE_MS = 60_000;

export interface StartGateOptions {
  registry: Registry;
  clock: Clock;
  /** Default {@link START_GRACE_MS}. */
  graceMs?: number;
}

/**
 * The health service's start. Every configured component is registered `STARTING` (not
 * failing: it may not be listening yet) until it first reports. The first mode is computed
 * once none is starting, or once the grace has passed; then a component still silent
 * counts as down, and from then on a lost component is down at once.
 */
export function createStartGate(options: StartGateOptions) {
  const { registry, clock } = options;
  const until = clock.now() + (options.graceMs ?? START_GRACE_MS);
  let open = false;
  const waiting = () => registry.all().filter((c) => c.status === ComponentStatus.STARTING);
  return {
    /** Whether the mode may be computed now; opens the gate for good once it may. */
    ready(): boolean {
      if (open) return true;
      const silent = waiting();
      if (silent.length > 0 && clock.now() < until) return false;
      open = true;
      const graceS = Math.round((options.graceMs ?? START_GRACE_MS) / 1000);
      for (const c of silent) registry.set({ ...c, status: ComponentStatus.NOT_SERVING, detail: `did not report within ${graceS} s of the start` });
      return true;
    },
    /** Whether `name` is still starting: never heard from, and within the grace. */
    starting(name: string): boolean {
      return !open && clock.now() < until && registry.all().some((c) => c.name === name && c.status === ComponentStatus.STARTING);
    },
    /** The components not heard from yet, by name. */
    waitingFor: () => waiting().map((c) => c.name),
  };
}

export type StartGate = ReturnType<typeof createStartGate>;

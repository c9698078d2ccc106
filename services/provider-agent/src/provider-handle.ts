import type { ChatRequest } from '@ultra/contracts/chat';
import type { ProviderConfig } from '@ultra/config';
import type { Clock } from '@ultra/core';
import type { Completion, ProviderAdapter, StreamEvent } from '@ultra/providers';

/** What the agent publishes about one provider. */
export interface ProviderView {
  name: string;
  type: string;
  healthy: boolean;
  detail: string;
  inFlight: number;
  simulated: boolean;
  models: readonly string[];
}

export interface ProviderHandleDeps {
  config: ProviderConfig;
  /** Absent when the provider cannot be called (see `config.unavailableReason`). */
  adapter: ProviderAdapter | undefined;
  clock: Clock;
  /** Active probe: every `intervalMs`, `timeoutMs` each; `threshold` results in a row flip health. */
  healthCheck: { intervalMs: number; timeoutMs: number; threshold: number };
  onChange: () => void;
}

/**
 * One provider inside the agent: every call to it goes through here, and an active
 * probe keeps its health. (The breaker, retry and bulkhead machines compose in here.)
 */
export function createProviderHandle(deps: ProviderHandleDeps) {
  const { config, adapter, clock, healthCheck } = deps;
  const view: ProviderView = {
    name: config.name,
    type: config.type,
    healthy: adapter !== undefined,
    detail: config.unavailableReason ?? '',
    inFlight: 0,
    simulated: config.simulated,
    models: config.models,
  };
  let streak = 0; // consecutive probe results that disagree with the current health
  let timer: unknown;
  let stopped = false;

  const update = (patch: Partial<ProviderView>) => {
    const changed = Object.entries(patch).some(([k, v]) => view[k as keyof ProviderView] !== v);
    Object.assign(view, patch);
    if (changed) deps.onChange();
  };

  const probeOnce = async () => {
    if (!adapter || stopped) return;
    const signal = AbortSignal.timeout(healthCheck.timeoutMs);
    let ok = true;
    let detail = '';
    try {
      await adapter.probe({ signal });
    } catch (e) {
      ok = false;
      detail = `probe failed: ${(e as Error).message}`;
    }
    if (ok === view.healthy) streak = 0;
    else if (++streak >= healthCheck.threshold) {
      streak = 0;
      update({ healthy: ok, detail: ok ? '' : detail });
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      void probeOnce().finally(schedule);
    }, healthCheck.intervalMs);
  };

  // In-flight counts change on every call; they are published with the periodic
  // snapshot, not as changes of their own.
  const track = async <T>(fn: () => Promise<T>): Promise<T> => {
    view.inFlight++;
    try {
      return await fn();
    } finally {
      view.inFlight--;
    }
  };

  return {
    view,
    /** False when the provider cannot be called at all (no key, say). */
    callable: adapter !== undefined,
    start() {
      if (adapter) schedule();
    },
    stop() {
      stopped = true;
      clock.clearTimeout(timer);
    },
    probeOnce,
    complete(model: string, request: ChatRequest, signal: AbortSignal): Promise<Completion> {
      return track(() => adapter!.complete(model, request, { signal }));
    },
    async *stream(model: string, request: ChatRequest, signal: AbortSignal): AsyncGenerator<StreamEvent> {
      view.inFlight++;
      try {
        yield* adapter!.stream(model, request, { signal });
      } finally {
        view.inFlight--;
      }
    },
  };
}

export type ProviderHandle = ReturnType<typeof createProviderHandle>;

import { Mode } from '@ultra/contracts/chat';
import { HealthService } from '@ultra/contracts/health';
import { BreakerState, ProviderAgentService } from '@ultra/contracts/provider-agent';
import { createServiceClient } from '@ultra/runtime';

/** One provider as the agent published it. */
export interface ProviderPoint {
  t: number;
  name: string;
  breaker: string;
  healthy: boolean;
  detail: string;
}

/** The mode as the health service published it. */
export interface ModePoint {
  t: number;
  mode: string;
  reason: string;
}

/** Simulator counts per provider at one moment. */
export interface SimPoint {
  t: number;
  providers: Record<string, { requests: number; probes: number; faults: number }>;
}

/** What the observers saw during a run, times in ms since the run's start. */
export interface Observations {
  providers: ProviderPoint[];
  modes: ModePoint[];
  sim: SimPoint[];
}

/** The observers, running until stopped. */
export interface Observers {
  readonly seen: Observations;
  stop(): Promise<Observations>;
}

const host = '127.0.0.1';

/** Re-subscribes `consume` whenever it ends or fails, every `retryMs`, until `signal` aborts. */
async function keep(signal: AbortSignal, retryMs: number, consume: () => Promise<void>): Promise<void> {
  while (!signal.aborted) {
    await consume().catch(() => undefined);
    if (!signal.aborted) await new Promise((r) => setTimeout(r, retryMs));
  }
}

/**
 * Watches, straight at the processes (never through a proxy): the agent's
 * WatchProviders (breaker and health per provider), the health service's WatchStatus
 * (the mode), and the simulator's counts every `simEveryMs` (default 200).
 */
export function startObservers(ports: { agent: number; health: number }, simUrl: string, now: () => number, simEveryMs = 200): Observers {
  const seen: Observations = { providers: [], modes: [], sim: [] };
  const stop = new AbortController();
  const signal = stop.signal;
  const agent = createServiceClient(ProviderAgentService, { host, port: ports.agent });
  const health = createServiceClient(HealthService, { host, port: ports.health });
  const last = new Map<string, string>();

  const watchingProviders = keep(signal, 100, async () => {
    for await (const res of agent.watchProviders({}, { signal })) {
      for (const p of res.providers) {
        const point = { t: now(), name: p.name, breaker: BreakerState[p.breaker] ?? String(p.breaker), healthy: p.healthy, detail: p.detail };
        const key = `${point.breaker}|${point.healthy}`;
        if (last.get(p.name) === key) continue;
        last.set(p.name, key);
        seen.providers.push(point);
      }
    }
  });
  const watchingModes = keep(signal, 100, async () => {
    for await (const res of health.watchStatus({}, { signal })) {
      const mode = Mode[res.status?.mode ?? 0] ?? 'UNSPECIFIED';
      if (seen.modes.at(-1)?.mode !== mode) seen.modes.push({ t: now(), mode, reason: res.status?.reason ?? '' });
    }
  });
  const pollingSim = (async () => {
    while (!signal.aborted) {
      const t = now();
      try {
        const res = await fetch(`${simUrl}/_sim/stats`, { signal });
        seen.sim.push({ t, ...((await res.json()) as Omit<SimPoint, 't'>) });
      } catch {
        // the simulator is never a fault target; a failed poll is only a missing point
      }
      await new Promise((r) => setTimeout(r, simEveryMs));
    }
  })();

  return {
    seen,
    async stop() {
      stop.abort();
      await Promise.all([watchingProviders, watchingModes, pollingSim]);
      return seen;
    },
  };
}

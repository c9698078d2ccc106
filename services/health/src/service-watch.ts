import { formatDial, type DialTarget } from '@ultra/config';
import { Health, HealthCheckResponse_ServingStatus as Serving } from '@ultra/contracts/grpc-health';
import { ComponentStatus } from '@ultra/contracts/health';
import type { Clock } from '@ultra/core';
import { createServiceConnection, keepWatching } from '@ultra/runtime';
import { createReplicaCensus } from './replica-census.ts';
import type { Registry } from './registry.ts';
import type { StartGate } from './startup.ts';

export interface ServiceWatchDeps {
  readonly registry: Registry;
  readonly gate: StartGate;
  readonly clock: Clock;
  readonly shutdown: AbortSignal;
}

/**
 * Watches every replica of one service: a `grpc.health.v1` Watch on each endpoint of its
 * `dial` list (each address of a `dns:` name, re-read as it changes), folded into one
 * component that is up while at least `minServing` replicas serve (replica-census.ts).
 * A replica's lost watch is retried every second; until it first answers at start, it is
 * starting, not failing.
 */
export function watchService(deps: ServiceWatchDeps, name: string, dial: readonly DialTarget[], minServing: number): void {
  const { registry, gate, clock, shutdown } = deps;
  const id = `${name}@${dial.map(formatDial).join(',')}`;
  const census = createReplicaCensus({ id, min: minServing });
  // Starting until a replica answers (a `dns:` name may not have its first address yet).
  registry.set({ name: id, kind: 'service', status: ComponentStatus.STARTING, detail: 'starting: not heard from yet' });
  createServiceConnection(Health, dial).eachEndpoint(shutdown, (client, endpoint, signal) => {
    census.set(endpoint, { status: 'starting', detail: 'starting: not heard from yet' });
    keepWatching({
      clock,
      signal,
      retryMs: 1000,
      consume: async (s) => {
        for await (const res of client.watch({ service: '' }, { signal: s })) {
          registry.set(census.set(endpoint, res.status === Serving.SERVING ? { status: 'serving' } : { status: 'not-serving', detail: Serving[res.status] ?? '' }));
        }
      },
      onLost: (err) => {
        const why = err instanceof Error ? err.message : 'stream ended';
        // Not listening yet at start is starting, not failing.
        const state = gate.starting(id) ? { status: 'starting' as const, detail: `starting: not listening yet (${why})` } : { status: 'not-serving' as const, detail: `unreachable: ${why}` };
        registry.set(census.set(endpoint, state));
      },
    });
    // A replica gone from the dial list (not the service shutting down) no longer counts.
    signal.addEventListener('abort', () => shutdown.aborted || registry.set(census.remove(endpoint)), { once: true });
  });
}

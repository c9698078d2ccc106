import { Health, HealthCheckResponse_ServingStatus as Serving } from '@ultra/contracts/grpc-health';
import { ComponentStatus } from '@ultra/contracts/health';
import { formatDial, type DialTarget } from '@ultra/config';
import type { Clock } from '@ultra/core';
import { createServiceClient, keepWatching } from '@ultra/runtime';
import type { Registry } from './registry.ts';
import type { StartGate } from './startup.ts';

/** How often a lost grpc.health.v1 Watch is asked again, ms. */
export const SERVICE_WATCH_RETRY_MS = 1000;

/**
 * One grpc.health.v1 Watch of a service over its whole dial list (where it is reached,
 * not where it listens): it moves to another replica when the one it is on goes, so a
 * service counts as serving while any replica of it serves. The registry holds it as
 * `NAME@DIAL`; not listening yet at start is starting, not failing.
 */
export function watchService(name: string, dial: readonly DialTarget[], deps: { registry: Registry; gate: StartGate; clock: Clock; shutdown: AbortSignal }): void {
  const { registry, gate } = deps;
  const client = createServiceClient(Health, dial);
  const id = `${name}@${dial.map(formatDial).join(',')}`;
  registry.set({ name: id, kind: 'service', status: ComponentStatus.STARTING, detail: 'starting: not heard from yet' });
  keepWatching({
    clock: deps.clock,
    signal: deps.shutdown,
    retryMs: SERVICE_WATCH_RETRY_MS,
    consume: async (signal) => {
      for await (const res of client.watch({ service: '' }, { signal })) {
        const ok = res.status === Serving.SERVING;
        registry.set({ name: id, kind: 'service', status: ok ? ComponentStatus.SERVING : ComponentStatus.NOT_SERVING, detail: ok ? '' : (Serving[res.status] ?? '') });
      }
    },
    onLost: (err) => {
      const why = err instanceof Error ? err.message : 'stream ended';
      if (gate.starting(id)) registry.set({ name: id, kind: 'service', status: ComponentStatus.STARTING, detail: `starting: not listening yet (${why})` });
      else registry.set({ name: id, kind: 'service', status: ComponentStatus.NOT_SERVING, detail: `unreachable: ${why}` });
    },
  });
}

import type { Client } from '@connectrpc/connect';
import type { HealthService } from '@ultra/contracts/health';
import type { Clock } from '@ultra/core';
import type { OverloadStatus } from './flow/overload-guard.ts';

/** How often a router tells the health service its own load. Milliseconds. */
export const LOAD_REPORT_EVERY_MS = 1_000;

/**
 * Sends the router's saturation to the health service every second (the input of its
 * `resource_constraints` rule), and at once via the returned `now()` when what is shed
 * changes. A report that fails is dropped: the next one follows.
 */
export function startLoadReports(deps: { health: Client<typeof HealthService>; clock: Clock; instance: string; status: () => OverloadStatus; signal: AbortSignal }) {
  const { health, clock, signal } = deps;
  let timer: unknown;
  const send = () => {
    const s = deps.status();
    void health
      .reportLoad(
        { instance: deps.instance, eventLoopDelayMs: s.sample.eventLoopDelayMs, inFlight: s.inFlight, heapUsed: s.sample.heapUsed, pressure: s.level, shed: [...s.shed], reason: s.reason, inFlightLimit: s.limited ? s.limit : 0 },
        { timeoutMs: 500, signal },
      )
      .catch(() => undefined);
  };
  const loop = () => {
    if (signal.aborted) return;
    send();
    timer = clock.setTimeout(loop, LOAD_REPORT_EVERY_MS);
  };
  timer = clock.setTimeout(loop, LOAD_REPORT_EVERY_MS);
  signal.addEventListener('abort', () => clock.clearTimeout(timer), { once: true });
  return { now: send };
}

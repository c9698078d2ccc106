import type { Meter } from '@opentelemetry/api';
import type { UltraConfig } from '@ultra/config';
import type { HealthService } from '@ultra/contracts/health';
import { systemRandom, type Clock } from '@ultra/core';
import { createSaturationProbe, type Logger, type ServiceConnection } from '@ultra/runtime';
import { createOverloadGuard, type OverloadGuard, type OverloadStatus } from './flow/overload-guard.ts';
import { startLoadReports } from './load-reporter.ts';

/**
 * The router's overload guard, wired: sampling this process, logging when what it sheds
 * changes (`overloaded (event-loop delay 180 ms): shedding batch, low priority`), its
 * gauges, and its load reports to every health replica (each endpoint of health's dial
 * list, so that every replica decides the mode on the same reports). Stops with `shutdown`.
 */
export function startOverloadGuard(deps: { config: UltraConfig; clock: Clock; log: Logger; meter: Meter; health: ServiceConnection<typeof HealthService>; shutdown: AbortSignal }): OverloadGuard {
  const { config, clock, log, meter, shutdown } = deps;
  const http = config.services.router.http;
  let reports: { now(): void } | undefined;
  const overload = createOverloadGuard({
    config: config.overload,
    clock,
    random: systemRandom,
    probe: createSaturationProbe(),
    onShedChange: (s) => {
      reports?.now();
      if (s.shed.length > 0) log.warn({ level: s.level, in_flight: s.inFlight, in_flight_limit: s.limit, event_loop_delay_ms: Math.round(s.sample.eventLoopDelayMs) }, `overloaded (${s.reason || 'saturated moments ago'}): shedding ${s.shed.join(', ')} priority`);
      else log.info({ level: s.level }, 'overload over: no priority shed entirely any more');
    },
  });
  overload.start();
  const gauge = (name: string, description: string, pick: (s: OverloadStatus) => number) =>
    meter.createObservableGauge(name, { description }).addCallback((r) => r.observe(pick(overload.status())));
  gauge('ultra_router_shed_pressure', "Shed pressure from the router's own saturation: 0 nothing shed, 1 batch, 2 low too, 3 normal too", (s) => s.level);
  gauge('ultra_router_in_flight', 'Requests in the router now', (s) => s.inFlight);
  gauge('ultra_router_in_flight_limit', 'Requests the router lets in at once now (all but high), learnt from the latency Ultra adds (overload.added_latency)', (s) => s.limit);
  gauge('ultra_router_added_latency_ms', 'Median latency Ultra added to an answer (router, cache and agent, less the provider call) over the last sample with enough answers', (s) => s.addedLatencyMs);
  gauge('ultra_router_event_loop_delay_ms', 'p99 event-loop delay over the last sample', (s) => s.sample.eventLoopDelayMs);
  const reporters = new Set<{ now(): void }>();
  deps.health.eachEndpoint(shutdown, (client, _endpoint, signal) => {
    const one = startLoadReports({ health: client, clock, instance: `router@${http.host}:${http.port}`, status: () => overload.status(), signal });
    reporters.add(one);
    signal.addEventListener('abort', () => reporters.delete(one), { once: true });
  });
  reports = { now: () => reporters.forEach((one) => one.now()) };
  shutdown.addEventListener('abort', () => overload.stop(), { once: true });
  return overload;
}

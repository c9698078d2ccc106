import type { OverloadConfig } from '@ultra/config';
import type { Clock, Random } from '@ultra/core';
import { capacityFor, createPressure, type PriorityClass } from '@ultra/resilience';
import type { SaturationProbe, SaturationSample } from '@ultra/runtime';

/** What the router's own saturation looks like now: for admission, the health service and `ultra status`. */
export interface OverloadStatus {
  /** Shed pressure, 0 (nothing shed) to 3 (all but high). */
  readonly level: number;
  /** Classes shed entirely now, e.g. `['batch', 'low']`. */
  readonly shed: readonly PriorityClass[];
  readonly saturated: boolean;
  /** Why the last sample was saturated, for people (empty when it was not). */
  readonly reason: string;
  readonly inFlight: number;
  readonly sample: SaturationSample;
}

export type OverloadDecision = { readonly ok: true } | { readonly ok: false; readonly detail: string; readonly retryAfterMs: number };

export interface OverloadGuardDeps {
  readonly config: OverloadConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly probe: SaturationProbe;
  /** Told when the classes shed change (`[]` when shedding stops). */
  readonly onShedChange?: ((status: OverloadStatus) => void) | undefined;
}

/**
 * The router's guard against its own overload. Every `sampleEveryMs` it reads the
 * process's saturation (event-loop delay while it is busy itself, heap) and its requests in flight; a saturated
 * sample raises the shed pressure, a calm one lowers it slowly (`createPressure`). A
 * request is admitted by its priority's share at that pressure; beyond `maxInFlight`
 * (less a 5 % reserve per class below high; high is never capped) it is refused outright. Refusals are immediate,
 * with a Retry-After, so shed work never waits to time out.
 */
export function createOverloadGuard(deps: OverloadGuardDeps) {
  const { config, clock, random, probe } = deps;
  const pressure = createPressure();
  let inFlight = 0;
  let last: SaturationSample = { eventLoopDelayMs: 0, heapUsed: 0, rssBytes: 0, cpuCores: 0 };
  let reason = '';
  let shedKey = '';
  let timer: unknown;

  const why = (s: SaturationSample): string => {
    const parts: string[] = [];
    if (s.eventLoopDelayMs > config.eventLoopDelayMs && s.cpuCores >= config.busyCpu) parts.push(`event-loop delay ${Math.round(s.eventLoopDelayMs)} ms`);
    if (config.maxInFlight > 0 && inFlight > config.maxInFlight) parts.push(`${inFlight} requests in flight`);
    if (s.heapUsed > config.maxHeap) parts.push(`heap ${Math.round(s.heapUsed * 100)} % of its limit`);
    return parts.join(', ');
  };
  const status = (): OverloadStatus => ({ level: pressure.level, shed: pressure.shed(), saturated: reason !== '', reason, inFlight, sample: last });

  const tick = () => {
    last = probe.sample();
    reason = why(last);
    pressure.observe(reason !== '');
    const key = pressure.shed().join(',');
    if (key !== shedKey) {
      shedKey = key;
      deps.onShedChange?.(status());
    }
    timer = clock.setTimeout(tick, config.sampleEveryMs);
  };

  return {
    start() {
      if (timer === undefined) timer = clock.setTimeout(tick, config.sampleEveryMs);
    },
    stop() {
      clock.clearTimeout(timer);
      probe.stop();
    },
    /** Counts a request in flight until the returned function is called. */
    enter(): () => void {
      inFlight++;
      let done = false;
      return () => {
        if (!done) inFlight--;
        done = true;
      };
    },
    /** Whether to serve a request of `priority` now; a refusal says why and when to come back. */
    admit(priority: PriorityClass): OverloadDecision {
      // High priority is never refused for the count alone: the reserve below it is there for it.
      const cap = config.maxInFlight > 0 && priority !== 'high' ? capacityFor(priority, config.maxInFlight, 0.05) : Infinity;
      if (inFlight > cap) {
        return { ok: false, detail: `Ultra is at its limit of ${config.maxInFlight} requests in flight (overload.max_in_flight) and refuses ${priority}-priority requests now`, retryAfterMs: config.retryAfterMs };
      }
      if (pressure.admit(priority, random)) return { ok: true };
      return { ok: false, detail: `Ultra is overloaded (${reason || 'it was saturated moments ago'}) and sheds ${priority}-priority requests now`, retryAfterMs: config.retryAfterMs };
    },
    /**
     * The cheap check before a request is even read: a refusal when `priority` is shed
     * entirely now (its share is 0), else `{ ok: true }` (the full `admit` follows later).
     */
    refusesOutright(priority: PriorityClass): OverloadDecision {
      if (pressure.admitted(priority) > 0) return { ok: true };
      return { ok: false, detail: `Ultra is overloaded (${reason || 'it was saturated moments ago'}) and sheds ${priority}-priority requests now`, retryAfterMs: config.retryAfterMs };
    },
    status,
  };
}

export type OverloadGuard = ReturnType<typeof createOverloadGuard>;

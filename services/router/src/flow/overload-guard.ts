import type { OverloadConfig } from '@ultra/config';
import type { Clock, Random } from '@ultra/core';
import { capacityFor, createPressure, type PriorityClass } from '@ultra/resilience';
import type { SaturationProbe, SaturationSample } from '@ultra/runtime';
import { createAddedLatencyLimit } from './added-latency-limit.ts';

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
  /** Requests let in at once now (all but high), learnt from the latency Ultra adds (`overload.added_latency`). */
  readonly limit: number;
  /** Whether that limit turned requests away in the last sample (or the last sample was slow): Ultra is shedding for it. */
  readonly limited: boolean;
  /** Median latency Ultra added to an answer over the last sample with enough answers, ms. */
  readonly addedLatencyMs: number;
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
 * The router's guard against Ultra's overload, with two signals:
 * - the latency Ultra adds to each answer (router, cache and agent, less the provider's own
 *   call), which grows with the queues in every one of its processes: it sets how many
 *   requests may be in flight for a `low` or `batch` one to be let in
 *   (`createAddedLatencyLimit`, from `maxInFlight` down to `minInFlight`, and below it,
 *   down to what they hold themselves, while `high` or `normal` requests are in flight);
 *   past that limit, less a 5 % reserve per class, such a request is refused outright;
 * - this process's own saturation (event-loop delay while it is busy itself, heap), read
 *   every `sampleEveryMs`: a saturated sample raises the shed pressure, a calm one lowers it
 *   slowly (`createPressure`), and a request is admitted by its priority's share at that pressure.
 * Refusals are immediate, with a Retry-After, so shed work never waits to time out.
 */
export function createOverloadGuard(deps: OverloadGuardDeps) {
  const { config, clock, random, probe } = deps;
  const pressure = createPressure();
  const limitCeiling = config.maxInFlight || 1_000_000;
  const limit = createAddedLatencyLimit({ thresholdMs: config.addedLatencyMs, min: Math.min(config.minInFlight, limitCeiling), max: limitCeiling, initial: config.minInFlight });
  let inFlight = 0;
  /** `high` and `normal` requests in flight now, and whether any was in the current period. */
  let protectedInFlight = 0;
  let protectedSeen = false;
  let last: SaturationSample = { eventLoopDelayMs: 0, heapUsed: 0, rssBytes: 0, cpuCores: 0 };
  let reason = '';
  let shedKey = '';
  let timer: unknown;
  let tickedAt = clock.now();
  let refusedForLimit = 0;
  let limited = false;

  const why = (s: SaturationSample): string => {
    const parts: string[] = [];
    if (s.eventLoopDelayMs > config.eventLoopDelayMs && s.cpuCores >= config.busyCpu) parts.push(`event-loop delay ${Math.round(s.eventLoopDelayMs)} ms`);
    if (config.maxInFlight > 0 && inFlight > config.maxInFlight) parts.push(`${inFlight} requests in flight`);
    if (limit.slow) parts.push(`it adds ${Math.round(limit.lastMedianMs)} ms to an answer, ${Math.round(limit.lastInside)} requests queued inside it`);
    if (s.heapUsed > config.maxHeap) parts.push(`heap ${Math.round(s.heapUsed * 100)} % of its limit`);
    return parts.join(', ');
  };
  const status = (): OverloadStatus => ({ level: pressure.level, shed: pressure.shed(), saturated: reason !== '', reason, inFlight, limit: limit.value, limited, addedLatencyMs: limit.lastMedianMs, sample: last });
  // Retry-After between one and two times `retry_after`, so that callers shed together do not all come back together.
  const retryAfter = () => Math.round(config.retryAfterMs * (1 + random()));
  const refusedOverLimit = (priority: PriorityClass): OverloadDecision => {
    refusedForLimit++;
    if (reason !== '') return refused(priority);
    const detail = `Ultra is overloaded (${inFlight} requests in flight, at the ${limit.value} it lets in for ${priority} priority while it learns how many it serves within ${config.addedLatencyMs} ms of the provider) and sheds ${priority}-priority requests now`;
    return { ok: false, detail, retryAfterMs: retryAfter() };
  };
  const refused = (priority: PriorityClass): OverloadDecision => ({ ok: false, detail: `Ultra is overloaded (${reason || 'it was saturated moments ago'}) and sheds ${priority}-priority requests now`, retryAfterMs: retryAfter() });
  /**
   * Whether one more request of `priority` is over its share of the requests let in at once;
   * `counted`: it is in flight already. Only `low` and `batch` are held to it: their senders
   * said they can wait, while `normal` (what callers send unless they say otherwise) is shed
   * only by the pressure, whose event-loop signal a slow provider cannot move.
   */
  const overLimit = (priority: PriorityClass, counted: boolean) => (priority === 'low' || priority === 'batch') && inFlight - (counted ? 1 : 0) >= capacityFor(priority, limit.value, 0.05);

  const tick = () => {
    last = probe.sample();
    const now = clock.now();
    // Strict priority: while high or normal requests share Ultra with deferrable work, any
    // queue that slows them counts, and the limit may go below min_in_flight, down to what
    // they hold themselves (deferrable work then waits outside with a Retry-After); alone,
    // deferrable work keeps its floor.
    limit.endPeriod(inFlight, now - tickedAt, last.cpuCores >= config.busyCpu, protectedSeen);
    protectedSeen = protectedInFlight > 0;
    tickedAt = now;
    limited = limit.slow || refusedForLimit > 0;
    refusedForLimit = 0;
    reason = why(last);
    // (A period over added_latency while yielding, without a queue, cuts only the limit on
    // deferrable work: it is not saturation, which would shed normal in the end.)
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
      if (timer !== undefined) return;
      tickedAt = clock.now();
      timer = clock.setTimeout(tick, config.sampleEveryMs);
    },
    stop() {
      clock.clearTimeout(timer);
      probe.stop();
    },
    /**
     * Counts a request of `priority` in flight until the returned function is called. Call it with the
     * provider's own time for an answer that one provider call produced (the request's time
     * less that is what Ultra added); without it, the request teaches the limit nothing.
     */
    enter(priority: PriorityClass): (providerMs?: number) => void {
      inFlight++;
      const guarded = priority === 'high' || priority === 'normal';
      if (guarded) {
        protectedInFlight++;
        protectedSeen = true;
      }
      const at = clock.now();
      let done = false;
      return (providerMs) => {
        if (done) return;
        done = true;
        inFlight--;
        if (guarded) protectedInFlight--;
        if (providerMs !== undefined) limit.add(clock.now() - at - providerMs);
      };
    },
    /** Whether to serve a request of `priority` now; a refusal says why and when to come back. */
    admit(priority: PriorityClass): OverloadDecision {
      // High priority is never refused for the count alone: the reserve below it is there for it.
      const cap = config.maxInFlight > 0 && priority !== 'high' ? capacityFor(priority, config.maxInFlight, 0.05) : Infinity;
      if (inFlight > cap) {
        return { ok: false, detail: `Ultra is at its limit of ${config.maxInFlight} requests in flight (overload.max_in_flight) and refuses ${priority}-priority requests now`, retryAfterMs: retryAfter() };
      }
      if (overLimit(priority, true)) return refusedOverLimit(priority);
      return pressure.admit(priority, random) ? { ok: true } : refused(priority);
    },
    /**
     * The cheap check before a request is even read: a refusal when `priority` is shed
     * entirely now (its share is 0) or is at its share of the limit, else `{ ok: true }`
     * (the full `admit` follows later).
     */
    refusesOutright(priority: PriorityClass): OverloadDecision {
      if (overLimit(priority, false)) return refusedOverLimit(priority);
      return pressure.admitted(priority) > 0 ? { ok: true } : refused(priority);
    },
    status,
  };
}

export type OverloadGuard = ReturnType<typeof createOverloadGuard>;

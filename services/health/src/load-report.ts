import { ComponentStatus, type ReportLoadRequest } from '@ultra/contracts/health';
import type { ComponentView } from './registry.ts';

/** A replica not heard from for this long is deemed calm (its reports stop when it stops). Milliseconds. */
export const LOAD_REPORT_TTL_MS = 5_000;

/**
 * A replica's load report as a registry component `load:INSTANCE`: DEGRADED while it
 * sheds any priority (pressure above 0, or fewer requests let in at once than its ceiling),
 * with why and what it sheds; SERVING otherwise.
 */
export function loadComponentOf(req: ReportLoadRequest, now: number): ComponentView {
  const instance = req.instance || 'unnamed replica';
  const shedding = req.pressure > 0 || req.inFlightLimit > 0;
  const what =
    req.shed.length > 0
      ? `shedding ${req.shed.join(', ')} priority`
      : req.inFlightLimit > 0
        ? `letting in ${req.inFlightLimit} requests at once (all but high priority)`
        : 'shedding part of its lowest-priority traffic';
  const why = req.reason || 'saturated moments ago';
  return {
    name: `load:${instance}`,
    kind: 'load',
    status: shedding ? ComponentStatus.DEGRADED : ComponentStatus.SERVING,
    detail: shedding ? `${why}; ${what}` : '',
    seenAt: now,
  };
}

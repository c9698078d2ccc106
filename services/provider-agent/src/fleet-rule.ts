import type { BreakerSnapshot, BreakerState } from '@ultra/resilience';

/** The states an operator sets: the fleet's automatic news never overrides them (a force stays a force when it travels). */
const OPERATOR_STATES: ReadonlySet<BreakerState> = new Set(['forced-open', 'disabled', 'metrics-only']);

/**
 * Whether an agent takes up another agent's breaker change (`remote`), given its own
 * breaker (`state`, and `openUntil` when open). The rule that makes the fleet one breaker:
 * - an **open** elsewhere opens it here (until the same `openUntil`), from closed or
 *   half-open, and stretches an open here that would end sooner;
 * - a **close** elsewhere (a trial succeeded there) closes it here from open or half-open;
 * - half-open elsewhere changes nothing (each agent half-opens on its own timer, and the
 *   trial lease lets one of them try);
 * - an operator's state here is left alone: forces arrive as forces.
 */
export function takesRemoteChange(local: { readonly state: BreakerState; readonly openUntil?: number | undefined }, remote: BreakerSnapshot, now: number): boolean {
  if (OPERATOR_STATES.has(local.state)) return false;
  if (remote.state === 'open') {
    if (remote.openUntil === undefined || remote.openUntil <= now) return false;
    if (local.state === 'closed' || local.state === 'half-open') return true;
    return local.state === 'open' && remote.openUntil > (local.openUntil ?? 0);
  }
  if (remote.state === 'closed') return local.state === 'open' || local.state === 'half-open';
  return false;
}

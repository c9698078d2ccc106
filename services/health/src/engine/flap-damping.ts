/**
 * How many healthy checks in a row the mode needs before it steps back up, damped by how
 * the mode and its inputs flapped lately (as route flap damping and Envoy's outlier
 * ejection do: each repeat offence waits longer).
 *
 * A flap is a recovery run that broke (a better mode was called for, then not, before the
 * run was complete), or a step down soon after a step up (within `maxRecoverAfter` checks
 * of it). Each flap doubles the run needed, from `recoverAfter` up to `maxRecoverAfter`;
 * `maxRecoverAfter` checks in a row without a flap, with no recovery under way, bring it
 * back to `recoverAfter`. A component that goes down and up every second thus holds the
 * mode down after its second flap, instead of moving it with every swing of the link,
 * while a single outage still recovers after `recoverAfter` checks.
 *
 * Pure: counts checks, the caller says when one happened.
 */
export interface FlapDampingOptions {
  /** Healthy checks in a row a recovery needs without flaps. Integer ≥ 1 (config `modes.recover_after`, default 3). */
  readonly recoverAfter: number;
  /** The most it can need after flaps; also how long a step up stays on probation, and how long without a flap resets it. Checks, integer ≥ `recoverAfter`. Default 4 × `recoverAfter`. */
  readonly maxRecoverAfter?: number | undefined;
}

export interface FlapDamping {
  /** Healthy checks in a row the next recovery needs. */
  readonly need: number;
  /** Whether the need is above `recoverAfter` because of recent flaps. */
  readonly damped: boolean;
  /** A recovery run broke before it was complete. */
  runBroke(): void;
  /** The mode stepped down (from a mode it had stepped up to, or not). */
  steppedDown(): void;
  /** The mode stepped up. */
  steppedUp(): void;
  /** One check (an evaluation on the timer) passed; `recovering`: a recovery run is under way. */
  checked(recovering: boolean): void;
}

/** The ceiling's default, in multiples of `recoverAfter`. */
export const MAX_RECOVER_AFTER_FACTOR = 4;

export function createFlapDamping(options: FlapDampingOptions): FlapDamping {
  const base = options.recoverAfter;
  const max = options.maxRecoverAfter ?? MAX_RECOVER_AFTER_FACTOR * base;
  if (!Number.isInteger(base) || base < 1 || !Number.isInteger(max) || max < base) {
    throw new RangeError(`mode flap damping needs integers 1 ≤ recover_after ≤ max_recover_after, got recover_after ${base}, max_recover_after ${max}`);
  }
  let need = base;
  // Checks since the last step up (probation while under `max`) and since the last flap.
  let sinceUp = Infinity;
  let calm = 0;
  const flap = () => {
    need = Math.min(max, need * 2);
    calm = 0;
  };
  return {
    get need() {
      return need;
    },
    get damped() {
      return need > base;
    },
    runBroke: flap,
    steppedDown() {
      if (sinceUp < max) flap();
      sinceUp = Infinity;
    },
    steppedUp() {
      sinceUp = 0;
    },
    checked(recovering) {
      sinceUp++;
      calm++;
      if (calm >= max && !recovering) need = base;
    },
  };
}

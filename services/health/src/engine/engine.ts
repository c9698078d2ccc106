import { Mode } from '@ultra/contracts/chat';
import type { Clock } from '@ultra/core';
import { createFlapDamping } from './flap-damping.ts';
import { evaluate, type ModeRules, type Observation } from './rules.ts';

export interface ModeChangeRecord {
  from: Mode;
  to: Mode;
  reason: string;
  at: number;
}

export interface EngineOptions {
  rules: ModeRules;
  clock: Clock;
  /** Healthy checks (evaluations on the timer) in a row before the mode steps back up, when it has not flapped lately. Config `modes.recover_after`, default 3. */
  recoverAfter: number;
  /** The most healthy checks a recovery needs after the mode flapped (see flap-damping.ts). Config `modes.max_recover_after`, default 4 × `recoverAfter`. */
  maxRecoverAfter?: number | undefined;
  /** Mode changes kept in the history. Default 100. */
  historySize?: number;
}

/**
 * What started an evaluation: the timer (`check`, every `modes.evaluate_every`), or a
 * change of some component (`change`). Both step down at once; only checks count towards
 * a recovery run, so its length is time (`recover_after × evaluate_every`), not however
 * many components happened to change meanwhile.
 */
export type EvaluationKind = 'check' | 'change';

/**
 * The mode engine: steps down at once when things get worse, back up only after a run of
 * checks in a row that call for a better mode: `recoverAfter` of them, more after the mode
 * or its inputs flapped lately (flap-damping.ts), so a component that flaps does not flap
 * the mode. An operator pin overrides it until it expires.
 */
export function createModeEngine(options: EngineOptions) {
  const { clock, rules } = options;
  // UNSPECIFIED until the first evaluation: the service is starting (see startup.ts).
  let mode: Mode = Mode.UNSPECIFIED;
  let reason = 'starting: waiting for every component to report';
  let since = clock.now();
  let better = 0;
  const damping = createFlapDamping({ recoverAfter: options.recoverAfter, maxRecoverAfter: options.maxRecoverAfter });
  let computed: { mode: Mode; reason: string } = { mode, reason };
  let pin: { mode: Mode; until: number; reason: string } | undefined;
  const history: ModeChangeRecord[] = [];

  const set = (to: Mode, why: string) => {
    // The first mode computed is where the history starts, not a change.
    if (to !== mode && mode !== Mode.UNSPECIFIED) {
      history.push({ from: mode, to, reason: why, at: clock.now() });
      if (history.length > (options.historySize ?? 100)) history.shift();
    }
    if (to !== mode) {
      mode = to;
      since = clock.now();
    }
    reason = why;
  };

  const pinned = () => {
    if (pin && clock.now() >= pin.until) {
      pin = undefined;
      set(computed.mode, `pin expired; ${computed.reason || 'all healthy'}`);
    }
    return pin;
  };

  return {
    /** Feeds one evaluation; returns true when the mode or its reason changed. */
    observe(obs: Observation, kind: EvaluationKind = 'check'): boolean {
      const before = `${mode}|${reason}`;
      computed = evaluate(rules, obs);
      if (pinned()) return before !== `${mode}|${reason}`;
      if (computed.mode >= mode) {
        if (better > 0) damping.runBroke();
        if (computed.mode > mode && mode !== Mode.UNSPECIFIED) damping.steppedDown();
        better = 0;
        set(computed.mode, computed.reason);
      } else {
        if (kind === 'check') better++;
        if (better >= damping.need) {
          better = 0;
          damping.steppedUp();
          set(computed.mode, computed.reason || 'all healthy');
        } else {
          const flapped = damping.damped ? `; ${damping.need}, not ${options.recoverAfter}, as the mode flapped lately` : '';
          reason = `${computed.reason || 'recovering'} (recovering: ${better} of ${damping.need} healthy checks${flapped})`;
        }
      }
      if (kind === 'check') damping.checked(better > 0);
      return before !== `${mode}|${reason}`;
    },

    /** Holds `pinMode` for `durationMs`, whatever the rules say. */
    pin(pinMode: Mode, durationMs: number, why: string) {
      pin = { mode: pinMode, until: clock.now() + durationMs, reason: why };
      set(pinMode, `pinned by an operator: ${why}`);
    },

    unpin() {
      if (!pin) return;
      pin = undefined;
      set(computed.mode, computed.reason || 'pin removed');
    },

    /** The operator's pin in force, if any. */
    heldPin(): { readonly mode: Mode; readonly until: number; readonly reason: string } | undefined {
      return pinned();
    },

    current() {
      pinned();
      return { mode, reason, since, pinnedUntil: pin?.until };
    },

    history: () => [...history],
  };
}

export type ModeEngine = ReturnType<typeof createModeEngine>;

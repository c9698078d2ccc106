import type { Notifier } from '@ultra/core';
import { modeName, type Logger } from '@ultra/runtime';
import { inSpan } from '@ultra/telemetry';
import type { EvaluationKind, ModeEngine } from './engine/engine.ts';
import { modeChangeLine } from './mode-log.ts';
import { observationOf, type Registry } from './registry.ts';
import type { StartGate } from './startup.ts';

export interface ModeEvaluation {
  /**
   * Observes the registry (and the last queue depth) now; logs and traces a change of mode,
   * and notifies watchers of any change. `kind`: `check` on the timer, `change` when a
   * component changed (only checks count towards a recovery run).
   */
  now(kind: EvaluationKind): void;
  /** The retry queue's depth when last read, for the `queue_depth_above` rules. */
  setQueueDepth(depth: number | undefined): void;
}

/**
 * The mode engine fed from the registry. No mode until every configured component has
 * reported (or the start grace is over): the gate says when. Once this health service is
 * stopping (`stopping` aborted), the mode holds: the services that go down with it (in one process, all four)
 * are not a change of the fleet's mode, and no `NORMAL → DEGRADED` is logged for them.
 */
export function createModeEvaluation(deps: { engine: ModeEngine; registry: Registry; gate: StartGate; tiers: readonly string[]; changes: Notifier; log: Logger; stopping?: AbortSignal }): ModeEvaluation {
  const { engine, registry, gate, tiers, changes, log, stopping } = deps;
  let queueDepth: number | undefined;
  return {
    now(kind) {
      if (!gate.ready() || stopping?.aborted) return;
      const before = engine.current().mode;
      if (!engine.observe({ ...observationOf(registry, tiers), queueDepth }, kind)) return;
      const now = engine.current();
      if (now.mode !== before) {
        const line = modeChangeLine(before, now.mode, now.reason);
        log.info(line.fields, line.message);
        // A short span carrying the change as an event, so traces show when the mode moved.
        void inSpan('ultra.mode.evaluate', {}, async (span) => {
          span.addEvent('ultra.mode.change', { 'ultra.mode.from': modeName(before), 'ultra.mode.to': modeName(now.mode), 'ultra.reason': now.reason });
        });
      }
      changes.notify();
    },
    setQueueDepth(depth) {
      queueDepth = depth;
    },
  };
}

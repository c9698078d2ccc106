import { Mode } from '@ultra/contracts/chat';
import type { Clock } from '@ultra/core';

/** The degraded mode the router serves in, last heard from the health service. */
export interface ModeState {
  current(): { mode: Mode; notice: string };
  /** Records a status from WatchStatus. */
  heard(mode: Mode, reason: string): void;
  /** Records that the health service cannot be reached. */
  lost(): void;
}

const NOTICES: Record<number, string> = {
  [Mode.DEGRADED]: 'Ultra is running in a degraded mode',
  [Mode.CRITICAL]: 'Ultra is running in a critical mode: only high-priority requests are served live',
  [Mode.OUTAGE]: 'Ultra is in an outage mode: answers come from the cache only',
};

/**
 * Keeps the last known mode. When the health service has been gone for longer than
 * `staleAfterMs` (ms, default 60 000), assumes DEGRADED until it is heard from again.
 */
export function createModeState(clock: Clock, staleAfterMs = 60_000): ModeState {
  let mode: Mode = Mode.NORMAL;
  let reason = '';
  let lostAt: number | undefined;
  return {
    current() {
      if (lostAt !== undefined && clock.now() - lostAt > staleAfterMs && mode < Mode.DEGRADED) {
        return { mode: Mode.DEGRADED, notice: 'the health service is unreachable; assuming a degraded mode' };
      }
      if (mode === Mode.NORMAL) return { mode, notice: '' };
      return { mode, notice: reason ? `${NOTICES[mode] ?? ''}: ${reason}` : (NOTICES[mode] ?? '') };
    },
    heard(m, r) {
      mode = m === Mode.UNSPECIFIED ? Mode.NORMAL : m;
      reason = r;
      lostAt = undefined;
    },
    lost() {
      lostAt ??= clock.now();
    },
  };
}

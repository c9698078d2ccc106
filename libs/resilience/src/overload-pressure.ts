import type { Random } from '@ultra/core';
import { PRIORITY_CLASSES, type PriorityClass } from './priority.ts';

/**
 * Load shedding by priority, driven by a process's own saturation: a pressure level that
 * rises fast while the process is saturated and falls slowly once it is not (AIMD, as in
 * Google SRE's adaptive throttling), and for each priority class the share of requests
 * admitted at that level. Batch goes first, then low, then normal; high is never shed by
 * pressure. Falling slowly readmits shed work a little at a time, so callers coming back
 * together after a Retry-After cannot saturate the process again at once.
 *
 * Pure: the caller samples saturation on its clock and draws with its random source.
 */

/** Pass a `Partial<>`; missing fields take {@link defaultPressureOptions}. */
export interface PressureOptions {
  /** Pressure added by each saturated sample. Levels, > 0. Default 0.25 (a class shed in four samples: 400 ms at the router's 100 ms). */
  readonly rise: number;
  /** Pressure taken off by each sample that is not saturated. Levels, > 0. Default 0.05 (a class back in twenty samples). */
  readonly fall: number;
}

export const defaultPressureOptions: PressureOptions = Object.freeze({ rise: 0.25, fall: 0.05 });

/** Highest pressure: every class but `high` shed. */
export const MAX_PRESSURE = 3;

export interface Pressure {
  /** Takes one sample: whether the process is saturated now. */
  observe(saturated: boolean): void;
  /** 0 (nothing shed) to {@link MAX_PRESSURE}. */
  readonly level: number;
  /** Share of requests of `priority` admitted now, 0..1. */
  admitted(priority: PriorityClass): number;
  /** Whether to admit one request of `priority` (a draw from `random` against its share). */
  admit(priority: PriorityClass, random: Random): boolean;
  /** Classes shed entirely now, highest last (e.g. `['batch', 'low']`). */
  shed(): PriorityClass[];
}

export function createPressure(options: Partial<PressureOptions> = {}): Pressure {
  const o = { ...defaultPressureOptions, ...options };
  if (!(o.rise > 0) || !(o.fall > 0)) throw new RangeError(`pressure needs rise > 0 and fall > 0, got rise ${o.rise}, fall ${o.fall}`);
  let level = 0;
  // batch is shed over level 0..1, low over 1..2, normal over 2..3.
  const admitted = (p: PriorityClass) => {
    const rank = PRIORITY_CLASSES.indexOf(p); // high 0 … batch 3
    if (rank === 0) return 1;
    return Math.min(1, Math.max(0, MAX_PRESSURE - rank + 1 - level));
  };
  return {
    observe(saturated) {
      const next = saturated ? Math.min(MAX_PRESSURE, level + o.rise) : Math.max(0, level - o.fall);
      level = Math.round(next * 1e6) / 1e6; // no drift from adding tenths

    },
    get level() {
      return level;
    },
    admitted,
    admit: (p, random) => {
      const share = admitted(p);
      return share >= 1 || (share > 0 && random() < share);
    },
    shed: () => PRIORITY_CLASSES.filter((p) => admitted(p) === 0).reverse(),
  };
}

import type { UltraConfig } from '@ultra/config';
import { DEFAULT_RULES, type Conditions, type ModeRules } from './rules.ts';

type Set = Readonly<Record<string, number | boolean>> | undefined;

const THRESHOLDS = ['healthyShareBelow', 'errorRatioAbove', 'latencyP99AboveMs', 'queueDepthAbove'] as const;
const FLAGS = ['firstTierDown', 'anyTierDown', 'anyServiceDown', 'redisDown', 'resourceConstraints'] as const;

/**
 * A mode's conditions as config sets them (its schema checked each key's type; config
 * hands them on as a record): each threshold a number, each flag a boolean. A value of
 * another type names the condition and the value.
 */
function conditionsOf(mode: keyof ModeRules, set: Set): Conditions {
  const out: Conditions = {};
  if (!set) return out;
  for (const name of THRESHOLDS) {
    const v = set[name];
    if (v === undefined) continue;
    if (typeof v !== 'number') throw new TypeError(`modes.rules.${mode}.${name}: must be a number, got ${String(v)}`);
    out[name] = v;
  }
  for (const name of FLAGS) {
    const v = set[name];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new TypeError(`modes.rules.${mode}.${name}: must be true or false, got ${String(v)}`);
    out[name] = v;
  }
  return out;
}

/** The shipped rules, with what the config sets on top (condition by condition). */
export function rulesFromConfig(config: UltraConfig): ModeRules {
  const r = config.modes.rules;
  return {
    degraded: { ...DEFAULT_RULES.degraded, ...conditionsOf('degraded', r.degraded) },
    critical: { ...DEFAULT_RULES.critical, ...conditionsOf('critical', r.critical) },
    outage: { ...DEFAULT_RULES.outage, ...conditionsOf('outage', r.outage) },
  };
}

import type { UltraConfig } from '@ultra/config';
import { DEFAULT_RULES, type Conditions, type ModeRules } from './rules.ts';

/** The shipped rules, with what the config sets on top (condition by condition). */
export function rulesFromConfig(config: UltraConfig): ModeRules {
  const r = config.modes.rules;
  return {
    degraded: { ...DEFAULT_RULES.degraded, ...(r.degraded as Conditions | undefined) },
    critical: { ...DEFAULT_RULES.critical, ...(r.critical as Conditions | undefined) },
    outage: { ...DEFAULT_RULES.outage, ...(r.outage as Conditions | undefined) },
  };
}

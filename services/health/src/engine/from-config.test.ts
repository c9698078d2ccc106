import { parseConfig } from '@ultra/config';
import { describe, expect, it } from 'vitest';
import { rulesFromConfig } from './from-config.ts';
import { DEFAULT_RULES } from './rules.ts';

describe('rulesFromConfig', () => {
  it('sets what the config sets over the shipped rules, condition by condition', () => {
    const config = parseConfig('providers:\n  p: [openai]\nmodes:\n  rules:\n    degraded: { redis_down: false, latency_p99_above: 10s }\n    outage: { healthy_share_below: 0.1 }\n', 't.yaml', {});
    const rules = rulesFromConfig(config);
    expect(rules.degraded).toEqual({ ...DEFAULT_RULES.degraded, redisDown: false, latencyP99AboveMs: 10_000 });
    expect(rules.critical).toEqual(DEFAULT_RULES.critical);
    expect(rules.outage).toEqual({ healthyShareBelow: 0.1 });
  });

  it('names a condition whose value is of the wrong type', () => {
    const config = parseConfig('providers:\n  p: [openai]\n', 't.yaml', {});
    const bad = { ...config, modes: { ...config.modes, rules: { ...config.modes.rules, critical: { firstTierDown: 1 } } } };
    expect(() => rulesFromConfig(bad)).toThrow('modes.rules.critical.firstTierDown: must be true or false, got 1');
  });
});

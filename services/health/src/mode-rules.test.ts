import { Mode } from '@ultra/contracts/chat';
import { ComponentStatus } from '@ultra/contracts/health';
import { describe, expect, it } from 'vitest';
import { evaluateMode } from './mode-rules.ts';
import type { ComponentView } from './registry.ts';

const S = ComponentStatus.SERVING;
const N = ComponentStatus.NOT_SERVING;
const p = (name: string, tier: string, status: ComponentStatus): ComponentView => ({ name, kind: 'provider', tier, status, detail: '' });
const svc = (name: string, status: ComponentStatus): ComponentView => ({ name, kind: 'service', status, detail: '' });

describe('mode rules', () => {
  it('NORMAL when everything serves', () => {
    expect(evaluateMode([svc('cache', S), p('a', 'primary', S), p('b', 'secondary', S)]).mode).toBe(Mode.NORMAL);
  });
  it('DEGRADED when a component is down', () => {
    expect(evaluateMode([svc('cache', N), p('a', 'primary', S)])).toEqual({ mode: Mode.DEGRADED, reason: 'not serving: cache' });
  });
  it('CRITICAL when a whole tier is down', () => {
    expect(evaluateMode([p('a', 'primary', N), p('b', 'primary', N), p('c', 'secondary', S)])).toEqual({
      mode: Mode.CRITICAL,
      reason: 'every provider of tier primary is unhealthy',
    });
  });
  it('OUTAGE when no provider serves', () => {
    expect(evaluateMode([p('a', 'primary', N), p('c', 'secondary', N)]).mode).toBe(Mode.OUTAGE);
  });
});

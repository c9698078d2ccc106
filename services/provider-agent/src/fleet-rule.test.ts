import { describe, expect, it } from 'vitest';
import { takesRemoteChange } from './fleet-rule.ts';

const NOW = 1_000_000;
const open = (openUntil: number) => ({ version: 1 as const, state: 'open' as const, openedAt: NOW - 1_000, openUntil, consecutiveTrips: 1 });
const closed = { version: 1 as const, state: 'closed' as const, consecutiveTrips: 0 };

describe("an agent taking up another agent's breaker change", () => {
  it('opens on an open elsewhere, from closed or half-open, and stretches an open that would end sooner', () => {
    expect(takesRemoteChange({ state: 'closed' }, open(NOW + 5_000), NOW)).toBe(true);
    expect(takesRemoteChange({ state: 'half-open' }, open(NOW + 5_000), NOW)).toBe(true);
    expect(takesRemoteChange({ state: 'open', openUntil: NOW + 1_000 }, open(NOW + 5_000), NOW)).toBe(true);
    expect(takesRemoteChange({ state: 'open', openUntil: NOW + 9_000 }, open(NOW + 5_000), NOW)).toBe(false);
  });

  it('ignores an open that has already ended', () => {
    expect(takesRemoteChange({ state: 'closed' }, open(NOW), NOW)).toBe(false);
  });

  it('closes on a close elsewhere only from open or half-open', () => {
    expect(takesRemoteChange({ state: 'open', openUntil: NOW + 1_000 }, closed, NOW)).toBe(true);
    expect(takesRemoteChange({ state: 'half-open' }, closed, NOW)).toBe(true);
    expect(takesRemoteChange({ state: 'closed' }, closed, NOW)).toBe(false);
  });

  it("never overrides an operator's state, and half-open elsewhere changes nothing", () => {
    for (const state of ['forced-open', 'disabled', 'metrics-only'] as const) {
      expect(takesRemoteChange({ state }, open(NOW + 5_000), NOW)).toBe(false);
      expect(takesRemoteChange({ state }, closed, NOW)).toBe(false);
    }
    expect(takesRemoteChange({ state: 'closed' }, { version: 1, state: 'half-open', consecutiveTrips: 1 }, NOW)).toBe(false);
  });
});

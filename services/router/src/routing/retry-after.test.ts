import { create } from '@bufbuild/protobuf';
import { Outcome } from '@ultra/contracts/chat';
import { BreakerState, ProviderStateSchema } from '@ultra/contracts/provider-agent';
import { DEFAULT_CONFIG_YAML, parseConfig } from '@ultra/config';
import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import type { Candidate } from '../candidates.ts';
import { createProviderBook } from './provider-book.ts';
import { retryAfterWithin, soonestReturnMs } from './retry-after.ts';

/** The outlier ejection Ultra ships (config's defaults). */
const DEFAULT_OUTLIER = parseConfig(DEFAULT_CONFIG_YAML, 'default', {}).failover.outlierEjection;

const TIERS = [{ name: 'primary', providers: ['a', 'b', 'c'] }];
const tiers: Candidate[][] = [TIERS[0]!.providers.map((provider) => ({ provider, model: 'm', tier: 'primary' }))];

function book() {
  const clock = new ManualClock(1_000_000);
  return { clock, book: createProviderBook(TIERS, { clock, outlier: DEFAULT_OUTLIER, cooldownMs: 300_000, rampMs: 60_000 }) };
}

describe('when a refused caller should come back', () => {
  it('the soonest of a half-open probe, a rate-limit reset and an unhealthy provider’s probes', () => {
    const { clock, book: b } = book();
    b.updateFromAgent([
      create(ProviderStateSchema, { name: 'a', healthy: true, breaker: BreakerState.OPEN, retryAfterMs: 9_000 }),
      create(ProviderStateSchema, { name: 'c', healthy: false, breaker: BreakerState.CLOSED }),
    ]);
    b.record('b', Outcome.RATE_LIMITED, 5, 7_000);
    expect(soonestReturnMs(b, tiers, clock.now(), 90_000)).toBe(7_000);
    expect(soonestReturnMs(b, tiers, clock.now(), 3_000)).toBe(3_000);
    clock.advance(6_500);
    expect(soonestReturnMs(b, tiers, clock.now(), 90_000)).toBe(500);
  });

  it('knows nothing when every provider is up; the mode’s figure caps it and 1 s floors it', () => {
    const { clock, book: b } = book();
    expect(soonestReturnMs(b, tiers, clock.now(), 3_000)).toBeUndefined();
    expect(retryAfterWithin(undefined, 120_000)).toBe(120_000);
    expect(retryAfterWithin(400, 120_000)).toBe(1_000);
    expect(retryAfterWithin(600_000, 120_000)).toBe(120_000);
    expect(retryAfterWithin(4_200, 120_000)).toBe(4_200);
  });
});

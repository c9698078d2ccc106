import { create } from '@bufbuild/protobuf';
import { BreakerState, ProviderStateSchema } from '@ultra/contracts/provider-agent';
import { DEFAULT_CONFIG_YAML, parseConfig } from '@ultra/config';
import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createProviderBook } from '../routing/provider-book.ts';

/** The outlier ejection Ultra ships (config's defaults). */
const DEFAULT_OUTLIER = parseConfig(DEFAULT_CONFIG_YAML, 'default', {}).failover.outlierEjection;

const TIERS = [{ name: 'primary', providers: ['a', 'b'] }];

describe('a router hearing two agents', () => {
  it('keeps a provider open while any agent has it open, and forgets an agent whose stream ended', () => {
    const clock = new ManualClock(1_000_000);
    const book = createProviderBook(TIERS, { clock, outlier: DEFAULT_OUTLIER, cooldownMs: 300_000, rampMs: 60_000 });
    const closed = create(ProviderStateSchema, { name: 'a', healthy: true, breaker: BreakerState.CLOSED });
    const open = create(ProviderStateSchema, { name: 'a', healthy: true, breaker: BreakerState.OPEN, retryAfterMs: 5_000 });
    book.updateFromAgent([open], 'agent-1:50061');
    book.updateFromAgent([closed], 'agent-2:50061'); // later news from another agent does not close it
    expect(book.standing('a')).toEqual({ kind: 'breaker-open', until: 1_005_000 });
    clock.advance(1_000);
    book.updateFromAgent([closed], 'agent-2:50061');
    expect(book.standing('a')).toEqual({ kind: 'breaker-open', until: 1_005_000 });
    book.forgetAgent('agent-1:50061');
    expect(book.standing('a')).toEqual({ kind: 'available' });
    book.updateFromAgent([closed], 'agent-1:50061');
    expect(book.standing('a')).toEqual({ kind: 'available' });
  });
});

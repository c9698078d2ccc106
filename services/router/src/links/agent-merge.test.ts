import { create } from '@bufbuild/protobuf';
import { BreakerState, ProviderStateSchema, type ProviderState } from '@ultra/contracts/provider-agent';
import { describe, expect, it } from 'vitest';
import { mergeAgentStates } from './agent-merge.ts';

const NOW = 50_000;
const state = (fields: Omit<Partial<ProviderState>, '$typeName' | '$unknown'>) =>
  create(ProviderStateSchema, { name: 'openai', type: 'openai', breaker: BreakerState.CLOSED, healthy: true, concurrencyLimit: 4, models: ['gpt-4o'], ...fields });

describe('merging what every agent says of a provider', () => {
  it('is open if any agent has it open, until the latest end any open one gives', () => {
    const merged = mergeAgentStates(
      [
        { state: state({}), at: NOW },
        { state: state({ breaker: BreakerState.OPEN, retryAfterMs: 5_000 }), at: NOW - 1_000 },
        { state: state({ breaker: BreakerState.OPEN, retryAfterMs: 2_000 }), at: NOW },
      ],
      NOW,
    );
    expect(merged?.breaker).toBe(BreakerState.OPEN);
    expect(merged?.retryAfterMs).toBe(4_000);
  });

  it('takes forced open over open, and half-open over closed', () => {
    const two = (a: BreakerState, b: BreakerState) => mergeAgentStates([{ state: state({ breaker: a }), at: NOW }, { state: state({ breaker: b }), at: NOW }], NOW)?.breaker;
    expect(two(BreakerState.OPEN, BreakerState.FORCED_OPEN)).toBe(BreakerState.FORCED_OPEN);
    expect(two(BreakerState.CLOSED, BreakerState.HALF_OPEN)).toBe(BreakerState.HALF_OPEN);
    expect(two(BreakerState.CLOSED, BreakerState.CLOSED)).toBe(BreakerState.CLOSED);
  });

  it('is healthy only if every agent finds it so, and adds up calls in flight, queues and limits', () => {
    const merged = mergeAgentStates(
      [
        { state: state({ inFlight: 2, queued: 1, latencyP99Ms: 300 }), at: NOW },
        { state: state({ healthy: false, detail: 'probe failed: 500', inFlight: 3, latencyP99Ms: 900 }), at: NOW },
      ],
      NOW,
    );
    expect(merged).toMatchObject({ healthy: false, detail: 'probe failed: 500', inFlight: 5, queued: 1, concurrencyLimit: 8, latencyP99Ms: 900 });
  });

  it("counts one agent's Retry-After from when it was heard, and says nothing when no agent has spoken", () => {
    expect(mergeAgentStates([{ state: state({ breaker: BreakerState.OPEN, retryAfterMs: 3_000 }), at: NOW - 1_000 }], NOW)?.retryAfterMs).toBe(2_000);
    expect(mergeAgentStates([], NOW)).toBeUndefined();
  });
});

import { createLatencyWindow } from '@ultra/core';

/** How a provider's slow-wait threshold follows its own first-token times (config `breaker.slow_wait_factor`, `slow_wait_floor`, `slow_wait_samples`). */
export interface SlowWaitOptions {
  /** The threshold is this many times the provider's recent first-token p95. Default 5. */
  readonly factor: number;
  /** Never below this. Milliseconds. Default 3000. */
  readonly floorMs: number;
  /** Fewer recent first-token times than this: the cap (`breaker.slow_ttft`) applies. Default 20. */
  readonly minSamples: number;
}

export const defaultSlowWaitOptions: SlowWaitOptions = Object.freeze({ factor: 5, floorMs: 3_000, minSamples: 20 });

/** Recompute the p95 after this many new samples (it is read at every attempt's start). */
const REFRESH_EVERY = 16;

/**
 * When a call still waiting for its first token counts as slow (the breaker's `onSlow`; the
 * provider-agent keeps one per provider): at `factor` (5) × the provider's own recent
 * first-token p95, at least `floorMs`, at most `capMs` (`breaker.slow_ttft`; 0 turns it off). A provider whose first token normally
 * comes in 300 ms is slow at 3 s; one that always takes 5 s (a big model, a long prompt)
 * is judged against its own 5 s, up to the cap, and before it has a history, by the cap.
 */
export function createSlowWait(capMs: number, options: Partial<SlowWaitOptions> = {}) {
  const o = { ...defaultSlowWaitOptions, ...options };
  const ttfts = createLatencyWindow(256);
  let added = 0;
  let threshold = capMs;
  return {
    /** Records a successful call's time to first token. Milliseconds. */
    add(ttftMs: number): void {
      ttfts.add(ttftMs);
      if (++added % REFRESH_EVERY !== 0 && ttfts.size !== o.minSamples) return;
      threshold = ttfts.size < o.minSamples ? capMs : Math.min(capMs, Math.max(o.floorMs, o.factor * ttfts.quantile(0.95)));
    },
    /** The threshold for a call starting now. Milliseconds; 0 = off. */
    thresholdMs: (): number => (capMs <= 0 ? 0 : threshold),
  };
}

export type SlowWait = ReturnType<typeof createSlowWait>;

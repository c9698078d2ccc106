import { atLeast, common } from '../harness/bounds.ts';
import { DEFAULTS_TUNING } from '../harness/chaos-config.ts';
import type { Scenario } from '../harness/scenario.ts';

/** Every provider answers like a hosted API (first token ~0.5–2 s, 50–100 tokens/s) for the whole run. */
const REALISTIC = { realistic: {} } as const;

/**
 * On realistic latency, openai slows down as an overloaded API does: first token around
 * 4 s and 10–20 tokens a second, so a whole answer takes several seconds more. Callers
 * must not be refused for it: the concurrency limit queues within their deadline. On the
 * timeouts users run (`DEFAULTS_TUNING`): the matrix's shortened ones (a 2 s attempt, a
 * 5 s request) would cut answers that take 2–4 s on every provider, which is no fault.
 */
export const slowProviderRealistic: Scenario = {
  name: 'slow-provider-realistic',
  title: 'Provider slow, on realistic latency',
  fault: 'simulator: openai first token ~4 s (lognormal), 10–20 tokens/s, every other provider as a hosted API',
  expect: 'every request still succeeds (none refused, none timed out at the 60 s client deadline); nothing trips; after the fault latency is back to its baseline',
  target: 'openai',
  tuning: DEFAULTS_TUNING,
  countCallsBy: 'simulator',
  baseline: { openai: REALISTIC, anthropic: REALISTIC, google: REALISTIC, cohere: REALISTIC },
  load: { timeoutMs: 60_000 },
  async inject(ctx) {
    await ctx.simFaults('openai', { realistic: { ttftMs: { dist: 'lognormal', median: 4_000, sigma: 0.3 }, tokensPerSecond: { dist: 'uniform', min: 10, max: 20 } } });
    return () => ctx.clearSimFaults('openai');
  },
  bounds: [common.baselineClean, atLeast('success during ≥ 99 %', (f) => f.during.success, 0.99), common.successAfter(), common.recovers(30_000), common.noJobLost],
};

import { z } from 'zod';
import type { Random } from '@ultra/core';

/**
 * Realistic timing for simulated answers: time to first token, output length and decode
 * speed drawn per request from distributions, with defaults like today's hosted APIs
 * (first token mostly 0.5–2 s, 50–100 tokens per second, answers of a few hundred
 * tokens). Off unless a provider's faults set `realistic`, so tests that need the fast
 * simulator keep it.
 */

/** A distribution of positive values: `fixed`, `uniform` in [min, max], or `lognormal` by median and sigma (of the log). */
export const DistributionSchema = z.discriminatedUnion('dist', [
  z.strictObject({ dist: z.literal('fixed'), value: z.number().min(0) }),
  z.strictObject({ dist: z.literal('uniform'), min: z.number().min(0), max: z.number().min(0) }).refine((d) => d.max >= d.min, { message: 'max must be ≥ min' }),
  z.strictObject({ dist: z.literal('lognormal'), median: z.number().gt(0), sigma: z.number().min(0).max(3) }),
]);
export type Distribution = z.output<typeof DistributionSchema>;

/** Time to first token, ms: median 800 ms, 90 % between about 0.4 and 1.6 s. */
export const DEFAULT_TTFT: Distribution = { dist: 'lognormal', median: 800, sigma: 0.4 };
/** Decode speed, tokens per second. */
export const DEFAULT_TOKENS_PER_SECOND: Distribution = { dist: 'uniform', min: 50, max: 100 };
/** Output length, tokens (capped by the request's max_tokens): median 150. */
export const DEFAULT_OUTPUT_TOKENS: Distribution = { dist: 'lognormal', median: 150, sigma: 0.6 };

/** The `realistic` field of a provider's faults; `{}` takes every default. */
export const RealisticSchema = z.strictObject({
  ttftMs: DistributionSchema.default(DEFAULT_TTFT),
  tokensPerSecond: DistributionSchema.default(DEFAULT_TOKENS_PER_SECOND),
  outputTokens: DistributionSchema.default(DEFAULT_OUTPUT_TOKENS),
});
export type Realistic = z.output<typeof RealisticSchema>;

/** One draw from `d` (a lognormal is cut at 10× its median, so one draw cannot stall a run). */
export function draw(d: Distribution, random: Random): number {
  switch (d.dist) {
    case 'fixed':
      return d.value;
    case 'uniform':
      return d.min + random() * (d.max - d.min);
    case 'lognormal': {
      // Box–Muller: a standard normal from two uniforms.
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      return Math.min(d.median * 10, d.median * Math.exp(d.sigma * z));
    }
  }
}

/** How long one answer takes: wait `ttftMs` for the first token, then `decodeMs` for the rest. Milliseconds. */
export interface Timing {
  readonly ttftMs: number;
  readonly decodeMs: number;
  readonly outputTokens: number;
}

export function drawTiming(r: Realistic, random: Random, maxTokens?: number): Timing {
  const ttftMs = draw(r.ttftMs, random);
  const outputTokens = Math.max(1, Math.round(Math.min(maxTokens ?? Infinity, draw(r.outputTokens, random))));
  const tps = Math.max(1, draw(r.tokensPerSecond, random));
  return { ttftMs, decodeMs: (outputTokens / tps) * 1000, outputTokens };
}

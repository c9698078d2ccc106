import type { Candidate } from '../candidates.ts';
import type { ProviderBook, Standing } from './provider-book.ts';

/** Never tell a caller to come back sooner than this, ms. */
export const MIN_RETRY_AFTER_MS = 1000;

/**
 * How long until the first of `tiers`' providers that cannot answer now can be expected
 * to answer again, ms from `now`: the soonest end of a breaker's open time (its half-open
 * probe), of a rate limit, of a cooldown or of an ejection; a provider its agent reports
 * unhealthy is expected back after `recoverMs` (the health probes that must pass in a row:
 * `health_check.threshold` × `interval`). Undefined when every one of them is available:
 * then nothing the router sees says when a refusal by the mode ends.
 */
export function soonestReturnMs(book: ProviderBook, tiers: readonly Candidate[][], now: number, recoverMs: number): number | undefined {
  const wait = (s: Standing) => (s.kind === 'unhealthy' ? recoverMs : 'until' in s ? Math.max(0, s.until - now) : undefined);
  const waits = tiers.flat().flatMap((c) => wait(book.standing(c.provider)) ?? []);
  return waits.length === 0 ? undefined : Math.min(...waits);
}

/**
 * The Retry-After of a refusal, ms: the soonest an answer can be expected (`soonestMs`),
 * capped by the mode's figure (`modes.<mode>.retry_after`, `capMs`, also the answer when
 * nothing is known), and never less than {@link MIN_RETRY_AFTER_MS}.
 */
export const retryAfterWithin = (soonestMs: number | undefined, capMs: number) => Math.max(MIN_RETRY_AFTER_MS, Math.min(capMs, soonestMs ?? capMs));

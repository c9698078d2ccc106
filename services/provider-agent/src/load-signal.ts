import { Outcome, Priority, type ChatRequest } from '@ultra/contracts/chat';
import { formatDuration } from '@ultra/core';
import { isProviderError } from '@ultra/providers';
import type { AdaptiveLimit, PriorityClass } from '@ultra/resilience';
import type { AttemptReport } from './provider-call-error.ts';
import type { CallParts, Slot } from './provider-call.ts';

/**
 * What the adaptive concurrency limit learns from each attempt, and the one refusal that
 * only lowers it: a 429 that comes from concurrency.
 */

/** A 429 asking for at most this long, with more calls in flight than the floor, is taken as "too many at once". Milliseconds. */
export const CONCURRENCY_RETRY_AFTER_MAX_MS = 2_000;
/** Times one attempt may go back to wait for a slot after such a 429 before it is taken for a rate limit. */
export const MAX_REQUEUES = 8;

const CLASSES: Partial<Record<Priority, PriorityClass>> = {
  [Priority.HIGH]: 'high',
  [Priority.NORMAL]: 'normal',
  [Priority.LOW]: 'low',
  [Priority.BATCH]: 'batch',
};

/** The bulkhead class of a request (`normal` when unset). */
export const priorityClassOf = (request: ChatRequest): PriorityClass => CLASSES[request.priority] ?? 'normal';

/** Outcomes that say the provider had too much: the limit goes down. Others say nothing of load. */
const OVERLOAD = new Set([Outcome.RATE_LIMITED, Outcome.OVERLOADED, Outcome.TIMEOUT]);

/**
 * Tells the limit how an attempt in `slot` ended: `Outcome.OK` with its latency (time to
 * first token when streamed), or the failure's outcome; `refused` for a concurrency 429.
 */
export function learn(limit: AdaptiveLimit | undefined, slot: Slot, at: number, outcome: Outcome, latencyMs?: number, refused = false): void {
  if (!limit) return;
  const kind = outcome === Outcome.OK ? 'ok' : refused ? 'refused' : OVERLOAD.has(outcome) ? 'drop' : 'ignore';
  limit.onSample({ startedAt: slot.held.startedAt, at, inFlight: slot.held.inFlight, kind, latencyMs });
}

/**
 * True for a 429 that says "too many at once" rather than "too many per minute": more
 * calls were in flight than the limit's floor and the provider asks for a short wait (or
 * none). Such a 429 lowers the limit and the call waits for a slot again; it is not a
 * failure of the provider and takes it out for nobody. Without an adaptive limit (a fixed
 * `bulkhead.limit`) every 429 is a rate limit.
 */
export function isConcurrencyRefusal(parts: CallParts, slot: Slot, e: unknown): boolean {
  if (!parts.adaptive || !isProviderError(e) || e.outcome !== Outcome.RATE_LIMITED) return false;
  const shortWait = e.retryAfterMs === undefined || e.retryAfterMs <= CONCURRENCY_RETRY_AFTER_MAX_MS;
  return shortWait && slot.held.inFlight > parts.adaptive.options.min;
}

/** Settles a concurrency 429: the limit goes down, the breaker hears nothing, the attempt is reported and the slot freed. */
export function requeued(parts: CallParts, slot: Slot, e: unknown, reports: AttemptReport[]): void {
  const before = parts.bulkhead.limit;
  learn(parts.adaptive, slot, parts.clock.now(), Outcome.RATE_LIMITED, undefined, true);
  parts.breaker.onFailure(slot.permit, Outcome.CANCELLED); // says nothing of the provider's health
  const wait = isProviderError(e) && e.retryAfterMs !== undefined ? `, Retry-After ${formatDuration(Math.ceil(e.retryAfterMs))}` : '';
  const now = parts.bulkhead.limit;
  const moved = now < before ? `concurrency limit ${before} → ${now}` : `concurrency limit ${now}`;
  reports.push({
    outcome: Outcome.RATE_LIMITED,
    latencyMs: parts.clock.now() - slot.startedAt,
    detail: `429 with ${slot.held.inFlight} calls in flight${wait}: taken as too many at once (${moved}); the call waits for a slot again`,
    retryAfterMs: 0,
  });
  slot.release();
}

import type { HedgingConfig } from '@ultra/config';
import { createLatencyWindow, type Clock, type LatencyWindow } from '@ultra/core';
import { createFailoverBudget } from '@ultra/resilience';

/** First-event times kept per provider for its hedge delay. */
const KEPT = 128;

/** One moment at which a hedge may start; a `budgeted` one only while the hedge budget allows it. */
export interface HedgeAt {
  readonly delayMs: number;
  readonly budgeted: boolean;
}

/** For a whole answer: the next candidate and what is left of the request's deadline when the call starts. */
export interface LastChanceFor {
  readonly next: string;
  readonly remainingMs: number;
}

/**
 * When to send a call's hedge (a second call to the next candidate, while the first has
 * not produced a first token, or for a whole answer the answer):
 *
 * - the **adaptive** hedge (`hedging.adaptive`, on by default): after `factor` (1.5) ×
 *   the p95 of the provider's own recent times to a first event, at least `min_delay`
 *   (500 ms), at most `max_delay` (10 s); not before `min_samples` (20) of them are known;
 *   only while the hedge budget allows (`budget`: 5 % of calls over 10 s, at least one);
 * - the **fixed** hedge (`hedging.enabled`, off by default): after `delay` (2 s), on the
 *   request's first candidate only, always (as before the adaptive one existed).
 *
 * - the **last-chance** hedge (`hedging.last_chance`, on by default), for whole answers only:
 *   when the call has not answered by the time the next candidate would need to answer
 *   within the deadline (what is left of it less `factor` × the next candidate's own p95,
 *   and less at least `min_delay`, once `min_samples` are known), later than any other moment. A provider that slows to a
 *   crawl mid-answer (first token in time, then a few tokens a second) answers a caller who
 *   has seen nothing yet too late; this sends the call on while another provider can still
 *   make it. Outside the budget: it fires only for calls that would otherwise miss their
 *   deadline and only where the next candidate's own times say it can make it, so when
 *   every provider is as slow it finds no time to fire.
 *
 * The earliest that applies wins; a budgeted moment the budget refuses gives way to the
 * later ones, if any. A mode whose policy turns hedging off (degraded and below) has none.
 * One per router for each kind of call (plain, streamed): times to a first event differ.
 */
export function createHedging(config: HedgingConfig, clock: Clock) {
  const windows = new Map<string, LatencyWindow>();
  const budget = createFailoverBudget(config.budget, clock);

  /** The adaptive delay for a call to `provider`; undefined before `minSamples` first events. Milliseconds. */
  const delayMs = (provider: string): number | undefined => {
    const w = windows.get(provider);
    if (!w || w.size < config.minSamples) return undefined;
    return Math.min(config.maxDelayMs, Math.max(config.minDelayMs, config.factor * w.quantile(0.95)));
  };

  /** When the next candidate would still answer in time: the time left less `factor` × its p95 (at least `min_delay`); undefined when unknown or too late. Milliseconds. */
  const lastChanceMs = ({ next, remainingMs }: LastChanceFor): number | undefined => {
    const w = windows.get(next);
    if (!w || w.size < config.minSamples) return undefined;
    const at = remainingMs - Math.max(config.minDelayMs, config.factor * w.quantile(0.95));
    return at >= config.minDelayMs ? at : undefined;
  };

  return {
    delayMs,

    /** Records how long a call to `provider` took to its first event (a token, or the whole answer). Milliseconds. */
    firstEvent(provider: string, ms: number): void {
      let w = windows.get(provider);
      if (!w) windows.set(provider, (w = createLatencyWindow(KEPT)));
      w.add(ms);
    },

    /** Counts a call (once per request), toward the budget's share. */
    onCall(): void {
      budget.onRequest();
    },

    /**
     * The moments at which the call to `provider` may be hedged, earliest first; empty: no
     * hedge. `first`: it is the request's first candidate; `allowed`: the mode allows hedging;
     * `lastChance`: the call is for a whole answer (the next candidate and the time left).
     */
    plan(provider: string, first: boolean, allowed: boolean, lastChance?: LastChanceFor): HedgeAt[] {
      if (!allowed) return [];
      const at: HedgeAt[] = [];
      const adaptive = config.adaptive ? delayMs(provider) : undefined;
      if (adaptive !== undefined) at.push({ delayMs: adaptive, budgeted: true });
      if (config.enabled && first) at.push({ delayMs: config.delayMs, budgeted: false });
      const latest = at.reduce((m, a) => Math.max(m, a.delayMs), 0);
      const last = lastChance && config.lastChance ? lastChanceMs(lastChance) : undefined;
      if (last !== undefined && last > latest) at.push({ delayMs: last, budgeted: false });
      return at.sort((a, b) => a.delayMs - b.delayMs);
    },

    /** Whether a hedge due at `at` may start now: takes one from the budget when it is budgeted. */
    mayStart(at: HedgeAt): boolean {
      return !at.budgeted || budget.tryRetry();
    },
  };
}

export type Hedging = ReturnType<typeof createHedging>;

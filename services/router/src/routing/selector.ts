import { LRUCache } from 'lru-cache';
import type { Random } from '@ultra/core';
import type { Candidate } from '../candidates.ts';
import type { ProviderBook, Standing } from './provider-book.ts';
import type { Strategy } from './strategy.ts';

export interface SelectorOptions {
  book: ProviderBook;
  strategy: Strategy;
  random: Random;
  /** Keep a session on the provider that last answered it. */
  sticky: boolean;
  /**
   * When fewer than this share (0..1) of a tier is available, outlier ejections in that
   * tier are ignored so the load spreads instead of crushing the last one standing. Default 0.5.
   */
  panicThreshold: number;
  /** Sessions remembered for stickiness. Default 100 000. */
  maxSessions?: number;
}

/** The ordered candidates for one request, or why there are none. */
export type Selection =
  | { kind: 'ok'; order: Candidate[] }
  | { kind: 'none'; reason: 'rate-limited' | 'unavailable'; retryAfterMs: number; detail: string };

const HARD: ReadonlySet<Standing['kind']> = new Set(['rate-limited', 'breaker-open']);

/**
 * Orders the candidates of a request: the first tier that has an available provider,
 * in the strategy's order; then the next tiers as failover candidates; then, as a last
 * resort, providers the router is only wary of (cooling down, ejected, reported
 * unhealthy). Providers known to refuse (rate-limited, breaker open) are left out.
 *
 * Sticky sessions: a session's first request is placed by the strategy like any other,
 * and the provider that answers it keeps it. A pinned request goes to its provider
 * first without moving the strategy (so new sessions keep alternating however long the
 * pinned ones are); its failover candidates are the strategy's order of the others, so
 * when a provider fails its sessions spread over the rest instead of all moving to one.
 */
export function createSelector(options: SelectorOptions) {
  const { book, strategy, random } = options;
  const sessions = new LRUCache<string, string>({ max: options.maxSessions ?? 100_000 });
  const byStrategy = (among: readonly Candidate[]) =>
    strategy(among.map((c) => book.view(c.provider))).map((v) => among.find((c) => c.provider === v.name)!);

  /** One tier's usable providers in order, and the rest (wary or refused). */
  const orderTier = (tier: readonly Candidate[], pinned: string | undefined) => {
    const standings = tier.map((c) => ({ c, standing: book.standing(c.provider) }));
    const up = standings.filter((s) => s.standing.kind === 'available' || s.standing.kind === 'ramping');
    const panic = up.length < options.panicThreshold * tier.length;
    // A session's own provider keeps it while it is up, ramping or not.
    const home = up.find((s) => s.c.provider === pinned);
    const usable = standings.filter(({ c, standing: s }) => {
      if (s.kind === 'available' || c === home?.c) return true;
      if (s.kind === 'ramping') return random() < s.share;
      return panic && s.kind === 'ejected';
    });
    const ordered = home ? [home.c, ...byStrategy(usable.filter((u) => u.c !== home.c).map((u) => u.c))] : byStrategy(usable.map((u) => u.c));
    const others = standings.filter((s) => !usable.some((u) => u.c === s.c));
    return { ordered, others };
  };

  return {
    select(tiers: readonly Candidate[][], sessionId: string, now: number): Selection {
      const normal: Candidate[] = [];
      const wary: { c: Candidate; standing: Standing }[] = [];
      const refused: { c: Candidate; standing: Standing }[] = [];
      const pinned = options.sticky && sessionId !== '' ? sessions.get(sessionId) : undefined;
      for (const tier of tiers) {
        const { ordered, others } = orderTier(tier, pinned);
        normal.push(...ordered);
        for (const s of others) (HARD.has(s.standing.kind) ? refused : wary).push(s);
      }
      const order = [...normal, ...wary.map((w) => w.c)];
      if (order.length > 0) return { kind: 'ok', order };
      const until = (s: Standing) => ('until' in s ? s.until : now);
      const retryAt = Math.min(...refused.map((r) => until(r.standing)));
      const allLimited = refused.every((r) => r.standing.kind === 'rate-limited');
      return {
        kind: 'none',
        reason: allLimited ? 'rate-limited' : 'unavailable',
        retryAfterMs: Math.max(0, retryAt - now),
        detail: refused.map((r) => `${r.c.provider}: ${r.standing.kind}`).join(', '),
      };
    },

    /** Keeps `sessionId` on `provider` from now on (the session moves as a group). */
    pin(sessionId: string, provider: string) {
      if (options.sticky && sessionId !== '') sessions.set(sessionId, provider);
    },
  };
}

export type Selector = ReturnType<typeof createSelector>;

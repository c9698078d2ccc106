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
 * in the strategy's order (the session's provider first when sticky); then the next tiers
 * as failover candidates; then, as a last resort, providers the router is only wary of
 * (cooling down, ejected, reported unhealthy). Providers known to refuse (rate-limited,
 * breaker open) are left out.
 */
export function createSelector(options: SelectorOptions) {
  const { book, strategy, random } = options;
  const sessions = new LRUCache<string, string>({ max: options.maxSessions ?? 100_000 });

  return {
    select(tiers: readonly Candidate[][], sessionId: string, now: number): Selection {
      const normal: Candidate[] = [];
      const wary: { c: Candidate; standing: Standing }[] = [];
      const refused: { c: Candidate; standing: Standing }[] = [];
      for (const tier of tiers) {
        const standings = tier.map((c) => ({ c, standing: book.standing(c.provider) }));
        const up = standings.filter((s) => s.standing.kind === 'available' || s.standing.kind === 'ramping');
        const panic = up.length < options.panicThreshold * tier.length;
        const usable = standings.filter(({ standing: s }) => {
          if (s.kind === 'available') return true;
          if (s.kind === 'ramping') return random() < s.share;
          return panic && s.kind === 'ejected';
        });
        let ordered = strategy(usable.map(({ c }) => book.view(c.provider))).map((v) => usable.find((u) => u.c.provider === v.name)!.c);
        const pinned = options.sticky && sessionId !== '' ? sessions.get(sessionId) : undefined;
        const at = pinned === undefined ? -1 : ordered.findIndex((c) => c.provider === pinned);
        if (at > 0) ordered = [ordered[at]!, ...ordered.slice(0, at), ...ordered.slice(at + 1)];
        normal.push(...ordered);
        for (const s of standings) {
          if (usable.some((u) => u.c === s.c)) continue;
          (HARD.has(s.standing.kind) ? refused : wary).push(s);
        }
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

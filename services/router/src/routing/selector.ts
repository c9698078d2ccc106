import type { Random } from '@ultra/core';
import type { Candidate } from '../candidates.ts';
import type { ProviderBook, Standing } from './provider-book.ts';
import { rendezvousOrder, unitHash } from './rendezvous.ts';
import type { Strategy } from './strategy.ts';

export interface SelectorOptions {
  book: ProviderBook;
  strategy: Strategy;
  random: Random;
  /** Keep each session on one provider (rendezvous hashing over the tier's usable providers). */
  sticky: boolean;
  /**
   * When fewer than this share (0..1) of a tier is available, outlier ejections in that
   * tier are ignored so the load spreads instead of crushing the last one standing. Default 0.5.
   */
  panicThreshold: number;
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
 * Sticky sessions: a request with a session id orders each tier's usable providers by
 * rendezvous hashing of (session, provider) instead of the strategy (rendezvous.ts), so
 * every router sends a session to the same provider with nothing shared between them, and
 * its failover candidates are its next-ranked providers: when its provider leaves (breaker
 * open, rate-limited, ejected, cooling down after a failover), each of its sessions moves
 * to its own next one, spread over the rest, and the other sessions stay where they are.
 * A provider ramping back after its cooldown takes back a growing share of its sessions,
 * the same ones on every router (a hash of the session against the ramp's share).
 */
export function createSelector(options: SelectorOptions) {
  const { book, strategy, random } = options;
  const byStrategy = (among: readonly Candidate[]) =>
    strategy(among.map((c) => book.view(c.provider))).map((v) => among.find((c) => c.provider === v.name)!);

  /** One tier's usable providers in order (by rendezvous for a session, else by the strategy), and the rest (wary or refused). */
  const orderTier = (tier: readonly Candidate[], session: string | undefined) => {
    const standings = tier.map((c) => ({ c, standing: book.standing(c.provider) }));
    const up = standings.filter((s) => s.standing.kind === 'available' || s.standing.kind === 'ramping');
    const panic = up.length < options.panicThreshold * tier.length;
    const usable = standings.filter(({ c, standing: s }) => {
      if (s.kind === 'available') return true;
      // A session's draw is its own hash, so that every router returns the same sessions.
      if (s.kind === 'ramping') return (session === undefined ? random() : unitHash(`${session}\u0001${c.provider}`)) < s.share;
      return panic && s.kind === 'ejected';
    });
    const ordered = session === undefined ? byStrategy(usable.map((u) => u.c)) : rendezvousOrder(session, usable.map((u) => u.c), (c) => c.provider);
    const others = standings.filter((s) => !usable.some((u) => u.c === s.c));
    return { ordered, others };
  };

  return {
    select(tiers: readonly Candidate[][], sessionId: string, now: number): Selection {
      const normal: Candidate[] = [];
      const wary: { c: Candidate; standing: Standing }[] = [];
      const refused: { c: Candidate; standing: Standing }[] = [];
      const session = options.sticky && sessionId !== '' ? sessionId : undefined;
      for (const tier of tiers) {
        const { ordered, others } = orderTier(tier, session);
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

    /**
     * Told which provider answered a session. Nothing to remember: rendezvous hashing
     * places the session again on every request, on every router.
     */
    pin(_sessionId: string, _provider: string) {
      // Nothing kept (see above).
    },
  };
}

export type Selector = ReturnType<typeof createSelector>;

import { Outcome, type Attempt } from '@ultra/contracts/chat';
import type { ModePolicy } from '@ultra/config';
import { outcomeName } from '@ultra/runtime';
import { spanEvent } from '@ultra/telemetry';
import type { Candidate } from '../candidates.ts';
import type { Selection } from '../routing/selector.ts';
import { remaining, type FlowDeps, type Prepared } from './context.ts';
import { unwell, worthFailover } from './failures.ts';
import { race, type RaceDeps } from './hedge-race.ts';
import { createHedging } from './hedging.ts';
import { launch, recordFailure, recordSuccess, type AttemptStart, type Launch, type StartAttempt } from './launch.ts';

export type { AttemptStart, StartAttempt } from './launch.ts';

/** An attempt that has produced its first event (a token, or the whole answer). */
export interface Started<S> {
  readonly candidate: Candidate;
  readonly value: S;
  /** Cancels its agent call. */
  readonly abort: AbortController;
  /** Epoch ms at its launch. */
  readonly startedAt: number;
  /** Ends it in the book's in-flight count (after `succeeded` or `failed`, or when the caller leaves); idempotent. */
  end(): void;
}

/** The engine's next step: an attempt that started, or no candidate left to try (`why`: a note for the error). */
export type Step<S> = { kind: 'started'; started: Started<S> } | { kind: 'over'; why: string };

/** One request's failover: its candidates in order, the attempts made, the budget spent. */
export interface FailoverRun<S> {
  /** Every attempt so far (the skipped candidates first), in order. */
  readonly attempts: Attempt[];
  /**
   * Starts the next candidates through `start` until one produces its first event,
   * hedging before it when the plan says so; failovers draw on the retry budget (not
   * after an attempt the provider never saw: breaker open, bulkhead full, rescued).
   */
  next(start: StartAttempt<S>): Promise<Step<S>>;
  /** The started attempt answered in full; `own` (the agent's attempts) joins the list. */
  succeeded(s: Started<S>, own: readonly Attempt[]): void;
  /** The started attempt failed after it started; returns whether another provider could do better. */
  failed(s: Started<S>, got: readonly Attempt[]): boolean;
}

/**
 * The router's one failover engine, for plain requests and streams alike (one per kind,
 * since their times to a first event differ): orders the candidates (selector), spends the
 * failover budget, hedges before the first event (hedging.ts), and records every outcome
 * in the provider book. Attempts the agent rescued (their provider's breaker opened while
 * they waited) come back UNAVAILABLE and fail over without spending the budget. For
 * `whole-answers` a call may also be hedged at its last chance (hedging.ts): a caller who
 * asked for a whole answer has seen nothing of a crawling one.
 */
export function createFailoverEngine(deps: FlowDeps, kind: 'whole-answers' | 'streams' = 'streams') {
  const { config, clock, book, selector, budget } = deps;
  const hedging = createHedging(config.failover.hedging, clock);

  const watch = <S>(l: Launch<S>): Promise<AttemptStart<S>> =>
    l.result.then((r) => {
      if (!r.ok) recordFailure(book, l, r.attempts);
      else hedging.firstEvent(l.candidate.provider, clock.now() - l.startedAt);
      return r;
    });
  const late = <S>(l: Launch<S>, r: AttemptStart<S> & { ok: true }) => {
    r.close?.();
    recordSuccess(book, clock, l);
  };
  const raceDeps: RaceDeps = { clock, hedging, watch, late };

  /** Counts the request (failover and hedge budgets) and orders its candidates. */
  const select = (p: Prepared): Selection => {
    budget.onRequest();
    hedging.onCall();
    const selection = selector.select(p.tiers, p.request.sessionId, clock.now());
    spanEvent('ultra.select', { 'ultra.candidates': selection.kind === 'ok' ? selection.order.map((c) => c.provider).join(',') : `none: ${selection.detail}` });
    return selection;
  };

  const begin = <S>(p: Prepared, policy: ModePolicy, candidates: readonly Candidate[], signal: AbortSignal): FailoverRun<S> => {
    const order = candidates.slice(0, config.failover.maxAttempts);
    const attempts: Attempt[] = [...p.skipped];
    let i = 0;
    let hedged = false;

    const started = (l: Launch<S>, value: S): Step<S> => ({ kind: 'started', started: { candidate: l.candidate, value, abort: l.abort, startedAt: l.startedAt, end: l.end } });
    /** After a failed attempt: whether to go on to the next candidate. */
    const failedOver = (c: Candidate, got: readonly Attempt[]): boolean => {
      const last = got.at(-1);
      if (!last || !worthFailover(last.outcome)) return false;
      if (unwell(last.outcome)) book.failedOverFrom(c.provider);
      spanEvent('ultra.failover', { 'ultra.from': c.provider, 'ultra.outcome': outcomeName(last.outcome) });
      return true;
    };

    const next = async (start: StartAttempt<S>): Promise<Step<S>> => {
      while (i < order.length) {
        if (remaining(deps, p) <= 0) return { kind: 'over', why: ' (the deadline passed)' };
        if (signal.aborted) return { kind: 'over', why: '' };
        // A failover after an attempt the provider never saw (breaker open, bulkhead full,
        // rescued) adds no load anywhere, so it does not draw on the retry budget.
        if (i > 0 && attempts.at(-1)?.outcome !== Outcome.UNAVAILABLE && !budget.tryRetry()) return { kind: 'over', why: ' (the retry budget is spent)' };
        const c = order[i]!;
        const after = order[i + 1];
        const lastChance = after !== undefined && kind === 'whole-answers' ? { next: after.provider, remainingMs: remaining(deps, p) } : undefined;
        const plan = after !== undefined && !hedged ? hedging.plan(c.provider, i === 0, policy.hedging, lastChance) : [];
        const first = launch(deps, start, c, signal, after !== undefined);
        if (plan.length === 0 || after === undefined) {
          i++;
          const r = await watch(first);
          if (r.ok) return started(first, r.value);
          attempts.push(...r.attempts);
          if (!failedOver(c, r.attempts)) return { kind: 'over', why: '' };
          continue;
        }
        const result = await race(raceDeps, first, () => launch(deps, start, after, signal, i + 2 < order.length), plan);
        hedged = result.hedged;
        i += result.hedged ? 2 : 1;
        for (const f of result.failed) attempts.push(...f.attempts);
        if (result.winner) {
          for (const f of result.failed) if (unwell(f.attempts.at(-1)?.outcome ?? Outcome.OK)) book.failedOverFrom(f.launch.candidate.provider);
          if (result.hedged) spanEvent('ultra.hedge', { 'ultra.winner': result.winner.launch.candidate.provider });
          return started(result.winner.launch, result.winner.value);
        }
        const go = result.failed.map((f) => failedOver(f.launch.candidate, f.attempts)).at(-1) ?? false;
        if (!go) return { kind: 'over', why: '' };
      }
      return { kind: 'over', why: '' };
    };

    return {
      attempts,
      next,
      succeeded(s, own) {
        attempts.push(...own);
        book.record(s.candidate.provider, Outcome.OK, clock.now() - s.startedAt);
        selector.pin(p.request.sessionId, s.candidate.provider);
        s.end();
      },
      failed(s, got) {
        attempts.push(...got);
        const last = got.at(-1);
        if (last) book.record(s.candidate.provider, last.outcome, last.latencyMs, last.shed ? 0 : last.retryAfterMs);
        s.end();
        return failedOver(s.candidate, got);
      },
    };
  };

  return { select, begin, hedging };
}

export type FailoverEngine = ReturnType<typeof createFailoverEngine>;

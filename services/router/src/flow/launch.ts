import { Outcome, type Attempt } from '@ultra/contracts/chat';
import type { Candidate } from '../candidates.ts';
import type { ProviderBook } from '../routing/provider-book.ts';
import type { Clock } from '@ultra/core';

/** How an attempt started: its first event (a token, or the whole answer), or its failure. */
export type AttemptStart<S> = { ok: true; value: S; close?: (() => void) | undefined } | { ok: false; attempts: Attempt[] };

/**
 * Starts one attempt on `c` and resolves at its first event or its failure (never
 * rejects). `abort` cancels it (the engine's, linked to the caller's signal; a stream
 * timeout may abort it too); `more`: another candidate is left after it.
 */
export type StartAttempt<S> = (c: Candidate, abort: AbortController, more: boolean) => Promise<AttemptStart<S>>;

/** One attempt under way: counted in the book's in-flight from launch to `end()`. */
export interface Launch<S> {
  readonly candidate: Candidate;
  readonly abort: AbortController;
  /** Epoch ms at launch. */
  readonly startedAt: number;
  readonly result: Promise<AttemptStart<S>>;
  /** Ends it in the book's in-flight count and unlinks the caller's signal; idempotent. */
  end(): void;
}

/** Records a failed attempt in the book (a shed call says nothing of the provider) and ends it. */
export function recordFailure(book: ProviderBook, launch: Launch<unknown>, attempts: readonly Attempt[]): void {
  const last = attempts.at(-1);
  if (last) book.record(launch.candidate.provider, last.outcome, last.latencyMs, last.shed ? 0 : last.retryAfterMs);
  launch.end();
}

/** Records a call that answered in full, `latencyMs` after its launch, and ends it. */
export function recordSuccess(book: ProviderBook, clock: Clock, launch: Launch<unknown>): void {
  book.record(launch.candidate.provider, Outcome.OK, clock.now() - launch.startedAt);
  launch.end();
}

/** Launches one attempt on `c` through `start`, linked to the caller's `signal`. */
export function launch<S>(deps: { book: ProviderBook; clock: Clock }, start: StartAttempt<S>, c: Candidate, signal: AbortSignal, more: boolean): Launch<S> {
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  if (signal.aborted) abort.abort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const endInBook = deps.book.begin(c.provider);
  let ended = false;
  const startedAt = deps.clock.now();
  return {
    candidate: c,
    abort,
    startedAt,
    result: start(c, abort, more),
    end() {
      if (ended) return;
      ended = true;
      endInBook();
      signal.removeEventListener('abort', onAbort);
    },
  };
}

import { Code, ConnectError } from '@connectrpc/connect';
import { ChatAnswerSchema, Outcome, Priority, ServedFrom, type Attempt, type ChatAnswer, type ChatRequest } from '@ultra/contracts/chat';
import { create } from '@bufbuild/protobuf';
import type { Candidate } from '../candidates.ts';
import { acquireLease, agentRetryWait, finish, lookup, prepare, releaseLease, remaining, store, type CallOptions, type FlowDeps, type Prepared } from './context.ts';
import { admit } from './admission.ts';
import { attemptsFromError, exhausted, unwell, withRetryAfter, worthFailover } from './failures.ts';
import type { ModePolicy } from '@ultra/config';
import { inSpan, spanEvent } from '@ultra/telemetry';
import { outcomeName } from '@ultra/runtime';
import { nearCacheFor } from '../near-cache.ts';
import { retryAfterWithin } from '../routing/retry-after.ts';

type Result = { ok: true; answer: ChatAnswer; candidate: Candidate } | { ok: false; attempts: Attempt[]; candidate: Candidate };

/**
 * One call to the agent for one candidate, bounded by what is left of the deadline. With
 * another candidate left (`more`), the agent retries this one only after short waits
 * (`failover.max_retry_wait`): a 429 asking for seconds fails over at once instead.
 */
function invoke(deps: FlowDeps, p: Prepared, c: Candidate, signal: AbortSignal, more: boolean): Promise<Result> {
  return inSpan('ultra.attempt', { 'ultra.provider': c.provider, 'ultra.model': c.model, 'ultra.tier': c.tier }, async (span) => {
    const result = await invokeOnce(deps, p, c, signal, more);
    span.setAttribute('ultra.outcome', result.ok ? 'ok' : outcomeName(result.attempts.at(-1)!.outcome));
    return result;
  });
}

async function invokeOnce(deps: FlowDeps, p: Prepared, c: Candidate, signal: AbortSignal, more: boolean): Promise<Result> {
  const started = deps.clock.now();
  const end = deps.book.begin(c.provider);
  try {
    const maxRetryWaitMs = agentRetryWait(deps, more);
    const res = await deps.agent.invoke({ provider: c.provider, model: c.model, request: p.request, maxRetryWaitMs }, { signal, timeoutMs: Math.max(1, remaining(deps, p)) });
    const answer = res.answer!;
    deps.book.record(c.provider, Outcome.OK, deps.clock.now() - started);
    return { ok: true, answer, candidate: c };
  } catch (e) {
    const attempts = attemptsFromError(c, e, deps.clock.now() - started);
    const last = attempts.at(-1)!;
    deps.book.record(c.provider, last.outcome, last.latencyMs, last.shed ? 0 : last.retryAfterMs); // a shed call says nothing of the provider
    return { ok: false, attempts, candidate: c };
  } finally {
    end();
  }
}

/**
 * Calls `first`, and when it has not answered after the hedging delay also `second`; the
 * first success wins and the other call is cancelled.
 */
async function hedged(deps: FlowDeps, p: Prepared, first: Candidate, second: Candidate, signal: AbortSignal, moreAfter: boolean): Promise<Result[]> {
  const a = new AbortController();
  const b = new AbortController();
  const onAbort = () => {
    a.abort();
    b.abort();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const results: Result[] = [];
  try {
    return await new Promise<Result[]>((resolve) => {
      let pending = 1;
      let done = false;
      const settle = (r: Result, other: AbortController) => {
        results.push(r);
        pending--;
        if (done) return;
        if (r.ok) {
          done = true;
          other.abort();
          resolve(results);
        } else if (pending === 0) {
          done = true;
          resolve(results);
        }
      };
      void invoke(deps, p, first, a.signal, true).then((r) => settle(r, b));
      const timer = deps.clock.setTimeout(() => {
        if (done) return;
        pending++;
        void invoke(deps, p, second, b.signal, moreAfter).then((r) => settle(r, a));
      }, deps.config.failover.hedging.delayMs);
      a.signal.addEventListener('abort', () => deps.clock.clearTimeout(timer), { once: true });
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * The non-streaming request path: cache, then candidates in order (failing over within
 * the attempt limit, the deadline and the retry budget), then a stale answer, then a
 * clear error.
 */
export function createComplete(deps: FlowDeps) {
  const { config, clock, book, selector, budget } = deps;
  const inFlight = new Map<string, Promise<ChatAnswer>>();
  const near = nearCacheFor(deps.cache, config.cache.near ?? { ttlMs: 0, maxEntries: 1 }, clock);

  const run = async (p: Prepared, options: CallOptions, policy: ModePolicy, looked: boolean): Promise<ChatAnswer> => {
    // One computation per key across router replicas: the lease holder asks a provider,
    // the others take its answer (or a stale one) when it lands. A fresh entry comes back
    // as HIT, so when the Get was skipped the Lease is the look-up, in one round trip.
    let leaseToken: string | undefined;
    if (p.policy.store) {
      const lease = await acquireLease(deps, p, options.signal, p.policy.staleOk || policy.serveStale);
      if (lease.kind === 'answer') {
        if (!lease.stale) near?.set(p.key, lease.answer);
        return finish(deps, lease.answer, lease.stale ? ServedFrom.STALE_CACHE : ServedFrom.CACHE, []);
      }
      if (lease.kind === 'granted') leaseToken = lease.token;
      // No lease either way (a cache without leases, or a wait that ran out): look up after all.
      if (lease.kind === 'none' && p.policy.lookup && !looked) {
        const hit = await lookup(deps, p, options.signal, false);
        if (hit) {
          near?.set(p.key, hit.answer);
          return finish(deps, hit.answer, ServedFrom.CACHE, []);
        }
      }
    }
    let answer: ChatAnswer | undefined;
    try {
      budget.onRequest();
      const selection = selector.select(p.tiers, p.request.sessionId, clock.now());
      spanEvent('ultra.select', { 'ultra.candidates': selection.kind === 'ok' ? selection.order.map((c) => c.provider).join(',') : `none: ${selection.detail}` });
      if (selection.kind === 'none') {
        await releaseLease(deps, p, leaseToken);
        leaseToken = undefined;
        const found = p.policy.store ? await lookup(deps, p, options.signal, true) : undefined;
        // A fresh entry only reaches here when the Get was skipped (or it landed meanwhile).
        if (found && !found.stale && p.policy.lookup && !looked) return finish(deps, found.answer, ServedFrom.CACHE, []);
        if (found) return finish(deps, found.answer, ServedFrom.STALE_CACHE, [], `no provider is available (${selection.detail}); this answer is from the cache`);
        const code = selection.reason === 'rate-limited' ? Code.ResourceExhausted : Code.Unavailable;
        throw withRetryAfter(new ConnectError(`no provider is available: ${selection.detail}`, code), retryAfterWithin(selection.retryAfterMs, policy.retryAfterMs));
      }
      answer = await attemptAll(p, options, policy, selection.order, leaseToken);
      return answer;
    } finally {
      // A provider's answer fulfilled the lease with its Put; anything else gives it back at once.
      if (answer?.servedFrom !== ServedFrom.PROVIDER) await releaseLease(deps, p, leaseToken);
    }
  };

  const attemptAll = async (p: Prepared, options: CallOptions, policy: ModePolicy, candidates: Candidate[], leaseToken: string | undefined): Promise<ChatAnswer> => {
    const order = candidates.slice(0, config.failover.maxAttempts);
    const attempts: Attempt[] = [...p.skipped];
    let why = '';
    for (let i = 0; i < order.length; i++) {
      if (remaining(deps, p) <= 0) {
        why = ' (the deadline passed)';
        break;
      }
      if (options.signal.aborted) break;
      // A failover after an attempt the provider never saw (breaker open, bulkhead full) adds
      // no load anywhere, so it does not draw on the retry budget.
      if (i > 0 && attempts.at(-1)?.outcome !== Outcome.UNAVAILABLE && !budget.tryRetry()) {
        why = ' (the retry budget is spent)';
        break;
      }
      const c = order[i]!;
      const next = order[i + 1];
      const hedge = config.failover.hedging.enabled && policy.hedging && next !== undefined && i === 0;
      const results = hedge ? await hedged(deps, p, c, next, options.signal, i + 2 < order.length) : [await invoke(deps, p, c, options.signal, next !== undefined)];
      if (hedge && results.length > 1) i++;
      const win = results.find((r) => r.ok);
      for (const r of results) if (!r.ok) attempts.push(...r.attempts);
      if (win?.ok) {
        attempts.push(...win.answer.attempts);
        selector.pin(p.request.sessionId, win.candidate.provider);
        for (const r of results) if (!r.ok && unwell(r.attempts.at(-1)!.outcome)) book.failedOverFrom(r.candidate.provider);
        // The Put (which also fulfils the lease for other replicas) need not hold up the
        // answer; store() logs its own failures and is bounded by CACHE_WAIT_MS.
        void store(deps, p, win.answer, leaseToken);
        if (p.policy.store) near?.set(p.key, win.answer);
        return finish(deps, win.answer, ServedFrom.PROVIDER, attempts);
      }
      const last = attempts.at(-1)!;
      if (!worthFailover(last.outcome)) break;
      if (unwell(last.outcome)) book.failedOverFrom(c.provider);
      spanEvent('ultra.failover', { 'ultra.from': c.provider, 'ultra.outcome': outcomeName(last.outcome) });
    }
    if (options.signal.aborted) throw new ConnectError('the caller cancelled the request', Code.Canceled);
    const stale = p.policy.store && policy.serveStale ? await lookup(deps, p, options.signal, true) : undefined;
    if (stale && attempts.every((a) => worthFailover(a.outcome))) {
      return finish(deps, stale.answer, ServedFrom.STALE_CACHE, attempts, 'every provider failed; this answer is from the cache');
    }
    // Deferrable work (low and batch priority) that no provider could answer goes to the queue.
    const deferrable = p.request.priority === Priority.LOW || p.request.priority === Priority.BATCH;
    if (deps.defer && deferrable && attempts.length > 0 && attempts.every((a) => worthFailover(a.outcome))) {
      const jobId = await deps.defer(p.request);
      return finish(deps, create(ChatAnswerSchema, { jobId }), ServedFrom.QUEUE, attempts, `every provider failed; deferred to the queue as job ${jobId}`);
    }
    if (attempts.length === p.skipped.length) throw new ConnectError('the deadline passed before any provider was tried', Code.DeadlineExceeded);
    throw exhausted(attempts, why);
  };

  return async (raw: ChatRequest | undefined, options: CallOptions): Promise<ChatAnswer> => {
    const asked = prepare(deps, raw, options);
    const admission = await inSpan('ultra.admit', { 'ultra.priority': asked.request.priority }, () => admit(deps, asked, options.signal));
    if (admission.kind === 'answered') return admission.answer;
    // From here on the request as it is sent, under its own cache key.
    const { policy, prepared: p } = admission;
    // A plain Get only when the answer may not be stored (no Lease follows) or a stale entry
    // may be served at once (the Lease hands out stale entries only while another caller
    // holds the key); otherwise the Lease below answers a hit by itself.
    const kept = p.policy.lookup ? near?.get(p.key) : undefined;
    if (kept) return finish(deps, kept, ServedFrom.CACHE, []);
    const looked = p.policy.lookup && (!p.policy.store || p.policy.staleOk || policy.preferCache);
    if (looked) {
      const hit = await lookup(deps, p, options.signal, p.policy.staleOk || policy.preferCache);
      if (hit && !hit.stale) near?.set(p.key, hit.answer);
      if (hit) return finish(deps, hit.answer, hit.stale ? ServedFrom.STALE_CACHE : ServedFrom.CACHE, []);
    }
    if (!config.failover.coalesce || !p.policy.store) return run(p, options, policy, looked);
    // Identical requests in flight at the same moment share one provider call.
    const shared = inFlight.get(p.key);
    if (shared) {
      spanEvent('ultra.coalesced', {});
      return shared;
    }
    const own = run(p, options, policy, looked).finally(() => inFlight.delete(p.key));
    inFlight.set(p.key, own);
    return own;
  };
}

import { ChatAnswerSchema, Priority, ServedFrom, type ChatAnswer, type ChatRequest } from '@ultra/contracts/chat';
import { create } from '@bufbuild/protobuf';
import type { Candidate } from '../candidates.ts';
import { acquireLease, finish, lookup, prepare, releaseLease, store, type CallOptions, type FlowDeps, type Prepared } from './context.ts';
import { admit } from './admission.ts';
import { exhausted, noProvider, worthFailover } from './failures.ts';
import { GivenUpError } from '@ultra/core';
import type { ModePolicy } from '@ultra/config';
import { inSpan, spanEvent } from '@ultra/telemetry';
import { retryAfterWithin } from '../routing/retry-after.ts';
import { createFailoverEngine } from './failover-engine.ts';
import { plainAttempt } from './attempt-plain.ts';

/**
 * The non-streaming request path: cache, then candidates in order (failing over within
 * the attempt limit, the deadline and the retry budget), then a stale answer, then a
 * clear error.
 */
export function createComplete(deps: FlowDeps) {
  const { config } = deps;
  const engine = createFailoverEngine(deps, 'whole-answers');
  const inFlight = new Map<string, Promise<ChatAnswer>>();
  const { near } = deps;

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
      const selection = engine.select(p);
      if (selection.kind === 'none') {
        await releaseLease(deps, p, leaseToken);
        leaseToken = undefined;
        const found = p.policy.store ? await lookup(deps, p, options.signal, true) : undefined;
        // A fresh entry only reaches here when the Get was skipped (or it landed meanwhile).
        if (found && !found.stale && p.policy.lookup && !looked) return finish(deps, found.answer, ServedFrom.CACHE, []);
        if (found) return finish(deps, found.answer, ServedFrom.STALE_CACHE, [], `no provider is available (${selection.detail}); this answer is from the cache`);
        throw noProvider(selection, retryAfterWithin(selection.retryAfterMs, policy.retryAfterMs));
      }
      answer = await attemptAll(p, options, policy, selection.order, leaseToken);
      return answer;
    } finally {
      // A provider's answer fulfilled the lease with its Put; anything else gives it back at once.
      if (answer?.servedFrom !== ServedFrom.PROVIDER) await releaseLease(deps, p, leaseToken);
    }
  };

  const attemptAll = async (p: Prepared, options: CallOptions, policy: ModePolicy, candidates: Candidate[], leaseToken: string | undefined): Promise<ChatAnswer> => {
    const run = engine.begin<ChatAnswer>(p, policy, candidates, options.signal);
    const step = await run.next(plainAttempt(deps, p));
    if (step.kind === 'started') {
      const answer = step.started.value;
      run.succeeded(step.started, answer.attempts);
      // The Put (which also fulfils the lease for other replicas) need not hold up the
      // answer; store() logs its own failures and is bounded by CACHE_WAIT_MS.
      void store(deps, p, answer, leaseToken);
      if (p.policy.store) near?.set(p.key, answer);
      return finish(deps, answer, ServedFrom.PROVIDER, run.attempts);
    }
    const { attempts } = run;
    if (options.signal.aborted) throw new GivenUpError('cancelled', 'the caller cancelled the request');
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
    if (attempts.length === p.skipped.length) throw new GivenUpError('deadline', 'the deadline passed before any provider was tried');
    throw exhausted(attempts, step.why);
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

import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Client } from '@connectrpc/connect';
import { LeaseOutcome, type CacheService } from '@ultra/contracts/cache';
import { ChatAnswerSchema, ServedFrom, type Attempt, type ChatAnswer, type ChatRequest } from '@ultra/contracts/chat';
import type { ProviderAgentService } from '@ultra/contracts/provider-agent';
import type { UltraConfig } from '@ultra/config';
import { errorMessage, type Clock, type Random } from '@ultra/core';
import type { Logger } from '@ultra/runtime';
import { cacheKey, cachePolicyOf } from '../cache-key.ts';
import { candidatesFor, type Candidate } from '../candidates.ts';
import { honouring } from '../capabilities.ts';
import type { ModeState } from '../mode-state.ts';
import type { ProviderBook } from '../routing/provider-book.ts';
import type { Selector } from '../routing/selector.ts';
import { validateRequest } from '@ultra/runtime';
import type { FailoverBudget } from '@ultra/resilience';
import { inSpan } from '@ultra/telemetry';
import { isLinkDown } from '../links/link-errors.ts';
import type { OverloadGuard } from './overload-guard.ts';
import type { NearCache } from '../near-cache.ts';

/** Everything the request path needs, made once at start. */
export interface FlowDeps {
  config: UltraConfig;
  cache: Client<typeof CacheService>;
  agent: Client<typeof ProviderAgentService>;
  book: ProviderBook;
  selector: Selector;
  budget: FailoverBudget;
  mode: ModeState;
  clock: Clock;
  random: Random;
  log: Logger;
  /** Ultra's own saturation: sheds by priority before anything else (absent: never). */
  overload?: OverloadGuard | undefined;
  /** Queues a request for later and gives its job id; absent without a queue. */
  defer?: ((request: ChatRequest) => Promise<string>) | undefined;
  /**
   * The router's near cache of recent hits (`createNearCache` from `cache.near`), shared by
   * the plain and the streaming paths; absent: none.
   */
  near?: NearCache | undefined;
}

export interface CallOptions {
  signal: AbortSignal;
  /** The caller's deadline, ms from now; the config's default when absent. */
  timeoutMs?: number | undefined;
  /** The caller's tenant: its cache entries and jobs are its own ('' when Ultra runs open). */
  tenant?: string | undefined;
}

/** Time kept back from each hop's deadline for the hop above to answer, in ms. */
export const HOP_MARGIN_MS = 20;
/** Longest the router waits on the cache before going on without it, in ms. */
export const CACHE_WAIT_MS = 250;

/**
 * One request, validated, with what every step needs to know about it. Never changed
 * once made: the key is the request's own, so a request sent in another form (the mode's
 * max_tokens cap) is another `Prepared` ({@link sendingInstead}) with its own key.
 */
export interface Prepared {
  readonly request: ChatRequest;
  readonly tiers: Candidate[][];
  /** The model asked for (an alias or a provider's model), the default applied. */
  readonly model: string;
  /** Epoch ms by which the answer must be out. */
  readonly deadline: number;
  readonly policy: ReturnType<typeof cachePolicyOf>;
  /** The cache key of `request` (the tenant's own when there is one). */
  readonly key: string;
  /** The caller's tenant ('' when Ultra runs open). */
  readonly tenant: string;
  /** Candidates left out because they cannot honour the request (outcome SKIPPED), first in the answer's attempts. */
  readonly skipped: Attempt[];
}

const keyOf = (model: string, request: ChatRequest, tenant: string) => {
  const key = cacheKey(model, request);
  return tenant ? `t:${tenant}:${key}` : key;
};

/**
 * Validates a request and works out what every step needs. A plain request's deadline is
 * the caller's or `failover.default_timeout`; a stream's is the caller's or
 * `limits.max_stream_duration`, and never longer than that limit.
 */
export function prepare(deps: FlowDeps, raw: ChatRequest | undefined, options: CallOptions, stream = false): Prepared {
  const { config, clock } = deps;
  const request = validateRequest(raw, config.limits);
  const model = request.model === '' ? config.defaultModel : request.model;
  const { tiers, skipped } = honouring(config, candidatesFor(config, request.model), request, model);
  const budget = stream
    ? Math.min(options.timeoutMs ?? config.limits.maxStreamDurationMs, config.limits.maxStreamDurationMs)
    : (options.timeoutMs ?? config.failover.defaultTimeoutMs);
  const deadline = clock.now() + budget;
  const tenant = options.tenant ?? '';
  return Object.freeze({ request, tiers, model, deadline, policy: cachePolicyOf(request, config.cache.maxTemperature), key: keyOf(model, request, tenant), tenant, skipped });
}

/**
 * The same call sending `request` instead of `p.request`: its cache key and policy are
 * `request`'s own, so its answer is stored under the key of what was actually sent.
 */
export function sendingInstead(deps: FlowDeps, p: Prepared, request: ChatRequest): Prepared {
  return Object.freeze({ ...p, request, policy: cachePolicyOf(request, deps.config.cache.maxTemperature), key: keyOf(p.model, request, p.tenant) });
}

/** Milliseconds a hop below may take. */
export const remaining = (deps: FlowDeps, p: Prepared) => p.deadline - deps.clock.now() - HOP_MARGIN_MS;

/**
 * `max_retry_wait_ms` for an agent call: with another candidate after it (`more`), the
 * configured `failover.max_retry_wait`, at least 1 ms; for the last candidate 0 (on the
 * wire: "the agent's own limits").
 */
export const agentRetryWait = (deps: FlowDeps, more: boolean) => (more ? Math.max(1, deps.config.failover.maxRetryWaitMs) : 0);

/** The answer the caller sees: where it came from, the attempts, the mode. */
export function finish(deps: FlowDeps, answer: ChatAnswer, servedFrom: ServedFrom, attempts: Attempt[], extraNotice = ''): ChatAnswer {
  const { mode, notice } = deps.mode.current();
  return create(ChatAnswerSchema, { ...answer, servedFrom, attempts, mode, notice: [notice, extraNotice].filter(Boolean).join('; ') });
}

/** Looks the request up in the cache; a cache failure is a miss. */
export function lookup(deps: FlowDeps, p: Prepared, signal: AbortSignal, allowStale: boolean): Promise<{ answer: ChatAnswer; stale: boolean } | undefined> {
  return inSpan('ultra.cache.lookup', { 'ultra.allow_stale': allowStale }, async (span) => {
    try {
      const res = await deps.cache.get({ key: p.key, allowStale }, { signal, timeoutMs: Math.max(1, Math.min(CACHE_WAIT_MS, remaining(deps, p))) });
      span.setAttribute('ultra.cache.hit', res.found);
      if (!res.found) return undefined;
      return { answer: fromBinary(ChatAnswerSchema, res.value), stale: res.stale };
    } catch (e) {
      span.setAttribute('ultra.cache.error', errorMessage(e));
      // While the cache's link breaker is open, its state change was logged once.
      if (!isLinkDown(e)) deps.log.warn({ err: errorMessage(e) }, 'cache lookup failed; going on without it');
      return undefined;
    }
  });
}

/** What a lease on a missed key gave: another router's answer, the right to compute, or neither. */
export type LeaseResult = { kind: 'answer'; answer: ChatAnswer; stale: boolean } | { kind: 'granted'; token: string } | { kind: 'none' };

/**
 * On a miss, asks the cache for the key's lease, so that across every router replica one
 * caller computes and the others wait briefly for its answer (or take a stale one). A
 * cache that cannot be reached grants nothing and holds nobody up.
 */
export function acquireLease(deps: FlowDeps, p: Prepared, signal: AbortSignal, allowStale: boolean): Promise<LeaseResult> {
  return inSpan('ultra.cache.lease', {}, async (span) => {
    try {
      // The wait for another holder is asked for explicitly and the call bounded by it plus
      // the usual cache wait, so an unresponsive cache cannot hold the request to its deadline.
      const waitMs = Math.max(1, Math.min(deps.config.cache.lease.waitMs, remaining(deps, p) - CACHE_WAIT_MS));
      const res = await deps.cache.lease(
        { key: p.key, allowStale, waitMs: BigInt(waitMs) },
        { signal, timeoutMs: Math.max(1, Math.min(waitMs + CACHE_WAIT_MS, remaining(deps, p))) },
      );
      span.setAttribute('ultra.lease.outcome', LeaseOutcome[res.outcome] ?? 'UNSPECIFIED');
      if (res.outcome === LeaseOutcome.GRANTED) return { kind: 'granted', token: res.token };
      if (res.outcome === LeaseOutcome.HIT || res.outcome === LeaseOutcome.STALE) {
        return { kind: 'answer', answer: fromBinary(ChatAnswerSchema, res.value), stale: res.outcome === LeaseOutcome.STALE || res.stale };
      }
      return { kind: 'none' };
    } catch (e) {
      span.setAttribute('ultra.cache.error', errorMessage(e));
      return { kind: 'none' };
    }
  });
}

/** Gives a lease back when the computation failed, so a waiter can take over at once. */
export async function releaseLease(deps: FlowDeps, p: Prepared, token: string | undefined): Promise<void> {
  if (!token) return;
  await deps.cache.releaseLease({ key: p.key, token }, { timeoutMs: CACHE_WAIT_MS }).catch(() => undefined);
}

/** Stores an answer (fulfilling the lease when one is held); a cache failure is logged, never passed on. */
export async function store(deps: FlowDeps, p: Prepared, answer: ChatAnswer, leaseToken = ''): Promise<void> {
  if (!p.policy.store) return;
  const stored = create(ChatAnswerSchema, { ...answer, attempts: [], mode: 0, notice: '', servedFrom: ServedFrom.PROVIDER });
  await inSpan('ultra.cache.store', {}, () => put(deps, p, stored, answer.provider, leaseToken));
}

async function put(deps: FlowDeps, p: Prepared, stored: ChatAnswer, provider: string, leaseToken: string): Promise<void> {
  try {
    await deps.cache.put(
      { key: p.key, value: toBinary(ChatAnswerSchema, stored), tags: [`model:${p.model}`, `provider:${provider}`], leaseToken },
      { timeoutMs: CACHE_WAIT_MS },
    );
  } catch (e) {
    if (!isLinkDown(e)) deps.log.warn({ err: errorMessage(e) }, 'cache store failed');
  }
}

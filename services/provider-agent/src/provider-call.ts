import { spanAttributes } from '@ultra/telemetry';
import { Outcome, type ChatRequest } from '@ultra/contracts/chat';
import { formatDuration, type Clock, type Random } from '@ultra/core';
import { isProviderError, type ProviderAdapter } from '@ultra/providers';
import {
  createAttemptLimit,
  defaultRetryOptions,
  isBulkheadFullError,
  type AdaptiveLimit,
  type AttemptFailure,
  type AttemptLimit,
  type BreakerPermit,
  type Bulkhead,
  type BulkheadPermit,
  type CallMetrics,
  type CircuitBreaker,
  type RetryBudget,
  type RetryOptions,
  type RunGiveUpReason,
  type RunWithRetryOptions,
} from '@ultra/resilience';
import type { AttemptTimer } from './attempt-timer.ts';
import type { FleetLink } from './fleet-provider.ts';
import type { WaitingCalls } from './waiting-calls.ts';
import { learn, priorityClassOf } from './load-signal.ts';
import { ProviderCallError, type AttemptReport } from './provider-call-error.ts';

/** What one provider's calls run through; its actor owns every piece. */
export interface CallParts {
  readonly name: string;
  readonly adapter: ProviderAdapter;
  readonly breaker: CircuitBreaker;
  readonly bulkhead: Bulkhead;
  /** The bulkhead's adaptive limit; absent when `bulkhead.limit` is fixed. */
  readonly adaptive?: AdaptiveLimit | undefined;
  readonly budget: RetryBudget;
  readonly retry: Partial<RetryOptions>;
  readonly clock: Clock;
  readonly random: Random;
  /** See `ProviderResilience`. Milliseconds, 0 = none. */
  readonly attemptTimeoutMs: number;
  readonly firstTokenTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** When a call with no first token is counted slow while it still waits (ms, 0 = off): see `@ultra/resilience`'s `createSlowWait`. */
  readonly slowWaitMs: () => number;
  /** The calls of this provider still waiting for their first token, to rescue when it is found sick. */
  readonly waiting: WaitingCalls;
  /** The other agents: a Retry-After or a trial held elsewhere, the shared run of failures. Absent without Redis. */
  readonly fleet?: FleetLink | undefined;
  /** Told the latency and first-token time of every successful call (ms): the published percentiles, the slow-wait threshold. */
  readonly onLatency: (ms: number, ttftMs: number | undefined) => void;
}

/** One request for a provider. */
export interface CallInput {
  readonly model: string;
  readonly request: ChatRequest;
  /** The caller's signal: cancellation, and the deadline the RPC layer enforces. */
  readonly signal: AbortSignal;
  /** Epoch ms of the caller's deadline; no attempt (retry) starts at or after it. */
  readonly deadlineAt?: number | undefined;
  /** Attempts the caller allows this request, the first included; 0 or absent: the retry policy's. */
  readonly maxAttempts?: number | undefined;
  /** The longest wait before a retry the caller accepts (ms); 0 or absent: the retry policy's. */
  readonly maxRetryWaitMs?: number | undefined;
}

/** An admitted attempt: its breaker permit and its bulkhead slot, freed by `release()`. */
export interface Slot {
  readonly permit: BreakerPermit;
  readonly held: BulkheadPermit;
  readonly release: () => void;
  /** Epoch ms the attempt started (before any wait in the queue). */
  readonly startedAt: number;
}

/** The per-request attempt limit and the options for `runWithRetry`. */
export function retryPlan(parts: CallParts, input: CallInput): { limit: AttemptLimit; options: RunWithRetryOptions } {
  const policyMax = parts.retry.maxAttempts ?? defaultRetryOptions.maxAttempts;
  const limit = createAttemptLimit(input.maxAttempts ? Math.min(input.maxAttempts, policyMax) : policyMax);
  const options: RunWithRetryOptions = {
    policy: {
      ...parts.retry,
      maxAttempts: limit.remaining,
      ...(input.maxRetryWaitMs ? { maxWaitMs: Math.min(input.maxRetryWaitMs, parts.retry.maxWaitMs ?? Infinity) } : {}),
    },
    clock: parts.clock,
    random: parts.random,
    signal: input.signal,
    budget: parts.budget,
    ...(input.deadlineAt !== undefined ? { deadlineAt: input.deadlineAt } : {}),
  };
  return { limit, options };
}

const stripName = (name: string, message: string) => (message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message);

/**
 * Asks the breaker, then the bulkhead (by the request's priority, within the caller's
 * deadline). A refusal is recorded in `reports` and comes back as a failure that is never
 * retried: UNAVAILABLE, with the breaker's `retryAfterMs` or the bulkhead's estimate of a
 * free slot. `counted: false` for a call going back to the queue after a concurrency 429,
 * which is not a new attempt.
 */
export async function admit(parts: CallParts, limit: AttemptLimit, reports: AttemptReport[], input: CallInput, counted = true): Promise<Slot | AttemptFailure> {
  const startedAt = parts.clock.now();
  const refuse = (outcome: Outcome, detail: string, retryAfterMs = 0, shed = false): AttemptFailure => {
    reports.push({ outcome, latencyMs: parts.clock.now() - startedAt, detail, retryAfterMs, ...(shed ? { shed } : {}) });
    return { ok: false, outcome, ...(retryAfterMs > 0 ? { retryAfterMs } : {}) };
  };
  if (counted && !limit.tryStart()) return refuse(Outcome.UNAVAILABLE, `the request's limit of ${limit.used} attempts is spent`);
  const heldBack = parts.fleet ? await parts.fleet.admit(parts.breaker.state) : undefined;
  if (heldBack) return refuse(Outcome.UNAVAILABLE, heldBack.detail, heldBack.retryAfterMs);
  const admission = parts.breaker.tryAcquire();
  spanAttributes({ 'ultra.breaker.decision': admission.allowed ? 'allowed' : admission.reason });
  if (!admission.allowed) {
    const wait = formatDuration(Math.ceil(admission.retryAfterMs));
    const detail =
      admission.reason === 'open'
        ? `circuit breaker open: calls resume in ${wait}`
        : admission.reason === 'half-open'
          ? `circuit breaker half-open and every probe slot is taken: try again in about ${wait}`
          : 'circuit breaker forced open by an operator';
    return refuse(Outcome.UNAVAILABLE, detail, admission.retryAfterMs);
  }
  try {
    const held = await parts.bulkhead.acquire({ priority: priorityClassOf(input.request), signal: input.signal, deadlineAt: input.deadlineAt });
    // The breaker opened while the call waited for a slot: it would go to a provider just found sick.
    if (parts.breaker.state === 'open' || parts.breaker.state === 'forced-open') {
      held.release();
      parts.breaker.onFailure(admission.permit, Outcome.CANCELLED);
      return refuse(Outcome.UNAVAILABLE, `the circuit breaker opened while the call waited for a bulkhead slot (${parts.clock.now() - startedAt} ms)`);
    }
    return { permit: admission.permit, held, release: () => held.release(), startedAt };
  } catch (e) {
    parts.breaker.onFailure(admission.permit, Outcome.CANCELLED); // says nothing; frees a half-open probe slot
    if (isBulkheadFullError(e)) return refuse(Outcome.UNAVAILABLE, e.message, e.retryAfterMs, true);
    return refuse(Outcome.CANCELLED, 'the caller went away while the call waited for a bulkhead slot');
  }
}

/** The provider answered: tell the breaker and the percentiles, record an OK attempt. */
export function succeeded(parts: CallParts, slot: Slot, metrics: CallMetrics, reports: AttemptReport[]): void {
  learn(parts.adaptive, slot, parts.clock.now(), Outcome.OK, metrics.ttftMs ?? metrics.latencyMs);
  parts.breaker.onSuccess(slot.permit, metrics);
  parts.fleet?.result(Outcome.OK);
  parts.onLatency(metrics.latencyMs, metrics.ttftMs);
  reports.push({ outcome: Outcome.OK, latencyMs: parts.clock.now() - slot.startedAt, detail: '', retryAfterMs: 0 });
}

/**
 * The provider call threw: classify it once, tell the breaker, record the attempt.
 * `failOver`: a retry belongs to another provider, not this one (no first token came).
 */
export function failed(parts: CallParts, slot: Slot, e: unknown, timer: AttemptTimer, reports: AttemptReport[], streamStarted: boolean, failOver = false): AttemptFailure {
  let outcome: Outcome;
  let detail: string;
  let retryAfterMs: number | undefined;
  if (timer.rescued !== undefined) {
    // Cut to fail over: the breaker has judged already (or a probe did); this call adds nothing.
    learn(parts.adaptive, slot, parts.clock.now(), Outcome.CANCELLED);
    parts.breaker.onFailure(slot.permit, Outcome.CANCELLED);
    reports.push({ outcome: Outcome.UNAVAILABLE, latencyMs: parts.clock.now() - slot.startedAt, detail: timer.rescued, retryAfterMs: 0 });
    return { ok: false, outcome: Outcome.UNAVAILABLE, streamStarted, error: e };
  }
  if (timer.expired !== undefined) {
    outcome = Outcome.TIMEOUT;
    detail = timer.expired;
  } else if (isProviderError(e)) {
    outcome = e.outcome;
    detail = stripName(parts.name, e.message);
    retryAfterMs = e.retryAfterMs;
  } else if (timer.signal.aborted) {
    outcome = Outcome.CANCELLED;
    detail = 'the caller cancelled the call';
  } else {
    outcome = Outcome.MALFORMED_RESPONSE;
    detail = `the call failed unexpectedly: ${e instanceof Error ? e.message : String(e)}`;
  }
  learn(parts.adaptive, slot, parts.clock.now(), outcome);
  parts.breaker.onFailure(slot.permit, outcome, retryAfterMs !== undefined ? { retryAfterMs } : {});
  parts.fleet?.result(outcome, retryAfterMs);
  reports.push({ outcome, latencyMs: parts.clock.now() - slot.startedAt, detail, retryAfterMs: retryAfterMs ?? 0 });
  return { ok: false, outcome, streamStarted, error: e, ...(failOver ? { failOver } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

const WHY: Partial<Record<RunGiveUpReason, string>> = {
  budget: 'not retried: the retry budget is spent',
  deadline: "not retried: the caller's deadline is too close",
  'retry-after-too-long': 'not retried: its Retry-After is longer than retry.retry_after_max',
  'wait-too-long': 'not retried: the wait before a retry is longer than the caller accepts (another provider is left)',
  'stream-started': 'not retried: the stream had started',
  'fail-over': 'not retried here: no first token came, and another provider is left',
};

/** The error for a call that ended without an answer. */
export function giveUp(name: string, result: { readonly reason: RunGiveUpReason }, reports: AttemptReport[]): ProviderCallError {
  if (result.reason === 'aborted' && reports.at(-1)?.outcome !== Outcome.CANCELLED) {
    reports.push({ outcome: Outcome.CANCELLED, latencyMs: 0, detail: 'the caller cancelled the request', retryAfterMs: 0 });
  }
  const last = reports.at(-1)!;
  const tries = reports.length > 1 ? ` (${reports.length} attempts)` : '';
  const why = WHY[result.reason];
  return new ProviderCallError(`${name}: ${last.detail}${tries}${why ? `; ${why}` : ''}`, last.outcome, reports);
}

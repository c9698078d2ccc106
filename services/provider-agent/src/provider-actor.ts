import { spanEvent } from '@ultra/telemetry';
import { Outcome } from '@ultra/contracts/chat';
import type { ProviderConfig } from '@ultra/config';
import type { Clock, Random } from '@ultra/core';
import type { ProviderAdapter } from '@ultra/providers';
import {
  createAdaptiveLimit,
  createBulkhead,
  createCircuitBreaker,
  createRetryBudget,
  createSlowWait,
  defaultBulkheadOptions,
  resolveBreakerOptions,
  type BreakerSnapshot,
  type ForceMode,
} from '@ultra/resilience';
import { createActor, fromPromise } from 'xstate';
import { createAttemptTimer } from './attempt-timer.ts';
import type { ProviderResilience } from './config.ts';
import type { FleetLink } from './fleet-provider.ts';
import { attachBreaker, fleetLimit } from './fleet-wiring.ts';
import type { Inspection } from './inspect.ts';
import { invokeComplete, type CompleteResult } from './invoke-complete.ts';
import { invokeStream, type AgentStreamEvent } from './invoke-stream.ts';
import { createLatencyWindow } from './latency-window.ts';
import { createWaitingCalls } from './waiting-calls.ts';
import type { CallInput, CallParts } from './provider-call.ts';
import { providerMachine, type ProbeResult } from './provider-machine.ts';
import type { ProviderView } from './provider-view.ts';

export interface ProviderActorDeps {
  readonly config: ProviderConfig;
  /** Absent when the provider cannot be called (see `config.unavailableReason`). */
  readonly adapter: ProviderAdapter | undefined;
  readonly resilience: ProviderResilience;
  /** `health_check`: a probe every `intervalMs`, each bounded by `timeoutMs`; `threshold` in a row flip health. */
  readonly healthCheck: { readonly intervalMs: number; readonly timeoutMs: number; readonly threshold: number };
  readonly clock: Clock;
  /** Draws the retry backoff's jitter. */
  readonly random: Random;
  /** Told of every change to publish at once: breaker state, health. */
  readonly onChange: () => void;
  /** Told the breaker's snapshot after every change of its state, to persist it. */
  readonly onBreakerChange?: (snapshot: BreakerSnapshot) => void;
  readonly inspection?: Inspection | undefined;
  /** The other agent replicas (through Redis); absent: this agent is the whole fleet. */
  readonly fleet?: FleetLink | undefined;
}

/**
 * One provider inside the agent. Every call to it goes through here: the per-request
 * attempt limit and the retry policy (drawing on this provider's retry budget) around
 * the breaker (an XState actor in `@ultra/resilience`) and the bulkhead, around the
 * adapter. Its long-lived behaviour, the active health probe and health, is the XState
 * actor of `provider-machine.ts`, which mirrors the breaker's state.
 */
export function createProviderActor(deps: ProviderActorDeps) {
  const { config, adapter, resilience: r, clock, healthCheck, fleet } = deps;
  const breaker = createCircuitBreaker(r.breaker, { clock });
  const breakerOptions = resolveBreakerOptions(r.breaker);
  const openMaxMs = breakerOptions.openMaxMs;
  const budget = createRetryBudget(r.budget);
  const adaptive = r.adaptiveLimit ? createAdaptiveLimit(r.adaptiveLimit) : undefined;
  const fixedLimit = r.bulkhead.limit ?? defaultBulkheadOptions.limit;
  // With other agents, this one takes its share of the limit (ceil(limit / live agents)).
  const limit = fleet ? fleetLimit(fleet, adaptive, fixedLimit) : adaptive;
  const bulkhead = createBulkhead(r.bulkhead, { clock, ...(limit ? { limit } : {}) });
  const latencies = createLatencyWindow();
  const waiting = createWaitingCalls();
  const slowWait = createSlowWait(breakerOptions.slowTtftMs, r.slowWait);
  /** Fails over every call still waiting for its first token (after the listener that found the provider sick returns). */
  const rescue = (detail: string) =>
    queueMicrotask(() => {
      const n = waiting.rescueAll(detail);
      if (n > 0) spanEvent('ultra.rescue', { 'ultra.provider': config.name, 'ultra.rescued': n });
    });
  let inFlight = 0;
  let started = false;

  const probeOnce = async (signal: AbortSignal): Promise<ProbeResult> => {
    await Promise.resolve(); // never inside a breaker listener, where tryAcquire is refused
    // One agent of the fleet probes at a time; the others take up what it found.
    if (!fleet) return probeProvider(signal);
    const theirs = await fleet.probeTurn();
    if (theirs) return theirs;
    const result = await probeProvider(signal);
    fleet.probed(result);
    return result;
  };

  const probeProvider = async (signal: AbortSignal): Promise<ProbeResult> => {
    // While half-open, the probe may be one of the probe calls: it can close the breaker,
    // never reopen it (a failed probe gives its slot back; health marks the provider down).
    const admission = r.halfOpenHealthProbe && breaker.state === 'half-open' ? breaker.tryAcquire() : undefined;
    const permit = admission?.allowed ? admission.permit : undefined;
    const timer = createAttemptTimer(clock, signal, healthCheck.timeoutMs, `no answer within ${healthCheck.timeoutMs} ms (health_check.timeout)`);
    const startedAt = clock.now();
    try {
      await adapter!.probe({ signal: timer.signal });
      if (permit) breaker.onSuccess(permit, { latencyMs: clock.now() - startedAt });
      return { ok: true };
    } catch (e) {
      if (permit) breaker.onFailure(permit, Outcome.CANCELLED);
      const message = timer.expired ?? (e instanceof Error ? e.message : String(e));
      return { ok: false, detail: `probe failed: ${message}` };
    } finally {
      timer.dispose();
    }
  };

  const machine = providerMachine.provide({ actors: { probe: fromPromise(({ signal }) => probeOnce(signal)) } });
  const health = adapter
    ? createActor(machine, {
        clock,
        input: { name: config.name, threshold: healthCheck.threshold, intervalMs: healthCheck.intervalMs },
        ...(deps.inspection ? { inspect: deps.inspection.inspect } : {}),
      })
    : undefined;

  let lastHealth = '';
  let wasHealthy = true;
  health?.subscribe((s) => {
    const healthy = s.matches({ health: 'healthy' });
    // Back from unhealthy: the probes answer again, so an open breaker half-opens now
    // (its open time may have grown over a long outage) and the probes can close it.
    if (healthy && !wasHealthy) queueMicrotask(() => breaker.recovered());
    // Marked unhealthy (health_check.threshold probes failed in a row): the calls still
    // waiting on it are failed over. Not on one failed probe: a probe that times out on a
    // slow provider says less than the calls it would cut.
    if (!healthy && wasHealthy && started) rescue(`rescued: the health probes marked ${config.name} unhealthy while the call waited for its first token`);
    wasHealthy = healthy;
    const now = `${String(healthy)}:${s.context.detail}`;
    if (now === lastHealth) return;
    lastHealth = now;
    deps.onChange();
  });
  breaker.subscribe((change) => {
    // A span event on the call that moved the breaker (when a traced call is active).
    spanEvent('ultra.breaker.change', { 'ultra.provider': config.name, 'ultra.breaker.to': String(change.to) });
    deps.onBreakerChange?.(breaker.snapshot());
    fleet?.breakerChanged(change.from, change.to, breaker.snapshot());
    deps.inspection?.breaker(config.name, change);
    if (change.to === 'open' || change.to === 'forced-open') rescue(`rescued: the circuit breaker of ${config.name} opened while the call waited for its first token`);
    if (started) queueMicrotask(() => health?.send({ type: 'BREAKER.CHANGED', to: change.to }));
    deps.onChange();
  });

  const parts: CallParts | undefined = adapter && {
    name: config.name,
    adapter,
    breaker,
    bulkhead,
    adaptive,
    budget,
    retry: r.retry,
    clock,
    random: deps.random,
    attemptTimeoutMs: r.attemptTimeoutMs,
    firstTokenTimeoutMs: r.firstTokenTimeoutMs,
    idleTimeoutMs: r.idleTimeoutMs,
    slowWaitMs: slowWait.thresholdMs,
    waiting,
    fleet,
    onLatency: (ms, ttftMs) => {
      latencies.add(ms);
      if (ttftMs !== undefined) slowWait.add(ttftMs);
    },
  };
  if (fleet) attachBreaker(fleet, breaker, breakerOptions, clock);

  const callable = (): CallParts => {
    if (!parts) throw new Error(`${config.name} cannot be called: ${config.unavailableReason ?? 'it has no adapter'}`);
    return parts;
  };

  return {
    name: config.name,
    /** False when the provider cannot be called at all (no key, say). */
    callable: parts !== undefined,
    /** Starts the probe loop (after any `restore`). */
    start() {
      if (!health || started) return;
      started = true;
      health.start();
      health.send({ type: 'BREAKER.CHANGED', to: breaker.state });
    },
    stop() {
      health?.stop();
      breaker.stop();
    },
    /** A whole answer. @throws ProviderCallError */
    async complete(input: CallInput): Promise<CompleteResult> {
      const p = callable();
      inFlight++;
      try {
        return await invokeComplete(p, input);
      } finally {
        inFlight--;
      }
    },
    /** A streamed answer. @throws ProviderCallError */
    async *stream(input: CallInput): AsyncGenerator<AgentStreamEvent> {
      const p = callable();
      inFlight++;
      try {
        yield* invokeStream(p, input);
      } finally {
        inFlight--;
      }
    },
    /** Operator override of the breaker, held until `force('auto')`. */
    force(mode: ForceMode) {
      breaker.force(mode);
      fleet?.forced(mode);
    },
    snapshot: (): BreakerSnapshot => breaker.snapshot(),
    restore(snapshot: BreakerSnapshot) {
      breaker.restore(snapshot);
    },
    view(): ProviderView {
      const s = breaker.stats();
      const h = health?.getSnapshot();
      const healthy = h !== undefined && h.matches({ health: 'healthy' });
      const retryAfterMs = s.state === 'open' ? Math.max(0, Math.ceil((s.openUntil ?? 0) - clock.now())) : s.state === 'forced-open' ? openMaxMs : 0;
      return {
        name: config.name,
        type: config.type,
        breaker: s.state,
        healthy,
        detail: adapter ? (healthy ? '' : (h?.context.detail ?? '')) : (config.unavailableReason ?? 'no adapter'),
        inFlight,
        errorRatio: s.calls > 0 ? Math.round((s.failures / s.calls) * 1000) / 1000 : 0,
        latencyP50Ms: latencies.quantile(0.5),
        latencyP99Ms: latencies.quantile(0.99),
        retryAfterMs,
        simulated: config.simulated,
        models: config.models,
        retryBudgetExhausted: !budget.canRetry(),
        concurrencyLimit: bulkhead.limit,
        queued: bulkhead.queued,
      };
    },
  };
}

export type ProviderActor = ReturnType<typeof createProviderActor>;

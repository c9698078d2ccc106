import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, type Client } from '@connectrpc/connect';
import type { CacheService } from '@ultra/contracts/cache';
import {
  AttemptSchema,
  ChatAnswerSchema,
  Outcome,
  ServedFrom,
  type Attempt,
  type ChatAnswer,
  type ChatRequest,
} from '@ultra/contracts/chat';
import type { ProviderAgentService } from '@ultra/contracts/provider-agent';
import type { UltraConfig } from '@ultra/config';
import type { Clock } from '@ultra/core';
import { attemptsError, attemptsOf, outcomeName, type Logger } from '@ultra/runtime';
import { cacheKey, cachePolicyOf } from './cache-key.ts';
import { candidatesFor, createSelector, type Candidate } from './candidates.ts';
import type { ModeState } from './mode-state.ts';
import { validateRequest } from './validate.ts';

export interface ChatFlowDeps {
  config: UltraConfig;
  cache: Client<typeof CacheService>;
  agent: Client<typeof ProviderAgentService>;
  /** Whether the router believes a provider can take a call now. */
  isAvailable: (provider: string) => boolean;
  mode: ModeState;
  clock: Clock;
  log: Logger;
}

/** Time kept back from each hop's deadline for the hop above to answer, in ms. */
const HOP_MARGIN_MS = 20;
/** Longest the router waits on the cache before going on without it, in ms. */
const CACHE_WAIT_MS = 250;

export interface CallOptions {
  signal: AbortSignal;
  /** The caller's deadline, ms from now; the config's default when absent. */
  timeoutMs?: number | undefined;
}

/** A streamed answer: text pieces, then the whole answer. */
export type FlowEvent = { type: 'delta'; text: string } | { type: 'done'; answer: ChatAnswer };

/**
 * The request path shared by both fronts: validate, look up the cache, try the candidates
 * in order until one answers, store the answer, and say how it was served.
 */
export function createChatFlow(deps: ChatFlowDeps) {
  const { config, cache, agent, clock, log } = deps;
  const select = createSelector();

  const prepare = (raw: ChatRequest | undefined, options: CallOptions) => {
    const request = validateRequest(raw);
    const tiers = candidatesFor(config, request.model);
    const model = request.model === '' ? config.defaultModel : request.model;
    const deadline = clock.now() + (options.timeoutMs ?? config.failover.defaultTimeoutMs);
    const policy = cachePolicyOf(request, config.cache.maxTemperature);
    return { request, tiers, model, deadline, policy, key: cacheKey(model, request) };
  };

  const remaining = (deadline: number) => deadline - clock.now() - HOP_MARGIN_MS;

  const finish = (answer: ChatAnswer, servedFrom: ServedFrom, attempts: Attempt[]): ChatAnswer => {
    const { mode, notice } = deps.mode.current();
    return create(ChatAnswerSchema, { ...answer, servedFrom, attempts, mode, notice });
  };

  const lookup = async (p: ReturnType<typeof prepare>, signal: AbortSignal): Promise<ChatAnswer | undefined> => {
    if (!p.policy.lookup) return undefined;
    try {
      const res = await cache.get(
        { key: p.key, allowStale: p.policy.staleOk },
        { signal, timeoutMs: Math.min(CACHE_WAIT_MS, remaining(p.deadline)) },
      );
      if (!res.found) return undefined;
      const answer = fromBinary(ChatAnswerSchema, res.value);
      return finish(answer, res.stale ? ServedFrom.STALE_CACHE : ServedFrom.CACHE, []);
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'cache lookup failed; going on without it');
      return undefined;
    }
  };

  const store = async (p: ReturnType<typeof prepare>, answer: ChatAnswer) => {
    if (!p.policy.store) return;
    const stored = create(ChatAnswerSchema, { ...answer, attempts: [], mode: 0, notice: '', servedFrom: ServedFrom.PROVIDER });
    try {
      await cache.put(
        { key: p.key, value: toBinary(ChatAnswerSchema, stored), tags: [`model:${p.model}`, `provider:${answer.provider}`] },
        { timeoutMs: CACHE_WAIT_MS },
      );
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'cache store failed');
    }
  };

  const attemptList = (p: ReturnType<typeof prepare>): Candidate[] =>
    select(p.tiers, deps.isAvailable).slice(0, Math.max(1, config.failover.maxAttempts));

  const exhausted = (attempts: Attempt[]): ConnectError => {
    const summary = attempts.map((a) => `${a.provider}: ${outcomeName(a.outcome)}${a.detail ? ` (${a.detail})` : ''}`).join('; ');
    const last = attempts.at(-1)?.outcome ?? Outcome.UNAVAILABLE;
    const clientError = last === Outcome.BAD_REQUEST || last === Outcome.CONTEXT_TOO_LONG;
    return attemptsError(
      `no provider could answer after ${attempts.length} attempt(s): ${summary}`,
      clientError ? last : Outcome.UNAVAILABLE,
      attempts,
    );
  };

  /** Whether failing over could help after this outcome (it cannot for the caller's own mistakes). */
  const worthFailover = (outcome: Outcome) => outcome !== Outcome.BAD_REQUEST && outcome !== Outcome.CONTEXT_TOO_LONG && outcome !== Outcome.CANCELLED;

  return {
    async complete(raw: ChatRequest | undefined, options: CallOptions): Promise<ChatAnswer> {
      const p = prepare(raw, options);
      const hit = await lookup(p, options.signal);
      if (hit) return hit;
      const attempts: Attempt[] = [];
      for (const c of attemptList(p)) {
        const left = remaining(p.deadline);
        if (left <= 0 || options.signal.aborted) break;
        const started = clock.now();
        try {
          const res = await agent.invoke(
            { provider: c.provider, model: c.model, request: p.request },
            { signal: options.signal, timeoutMs: left },
          );
          const answer = res.answer!;
          attempts.push(...answer.attempts);
          await store(p, answer);
          return finish(answer, ServedFrom.PROVIDER, attempts);
        } catch (e) {
          const got = attemptsOf(e);
          attempts.push(...(got.length > 0 ? got : [failedAttempt(c, e, clock.now() - started)]));
          if (!worthFailover(attempts.at(-1)!.outcome)) break;
        }
      }
      if (options.signal.aborted) throw new ConnectError('the caller cancelled the request', Code.Canceled);
      if (attempts.length === 0) throw new ConnectError('the deadline passed before any provider was tried', Code.DeadlineExceeded);
      throw exhausted(attempts);
    },

    async *stream(raw: ChatRequest | undefined, options: CallOptions): AsyncGenerator<FlowEvent> {
      const p = prepare(raw, options);
      const hit = await lookup(p, options.signal);
      if (hit) {
        yield { type: 'delta', text: hit.text };
        yield { type: 'done', answer: hit };
        return;
      }
      const attempts: Attempt[] = [];
      for (const c of attemptList(p)) {
        const left = remaining(p.deadline);
        if (left <= 0 || options.signal.aborted) break;
        const started = clock.now();
        let sent = 0;
        try {
          for await (const res of agent.streamInvoke(
            { provider: c.provider, model: c.model, request: p.request },
            { signal: options.signal, timeoutMs: left },
          )) {
            if (res.event.case === 'delta') {
              sent += res.event.value.text.length;
              yield { type: 'delta', text: res.event.value.text };
            } else if (res.event.case === 'done') {
              const answer = res.event.value;
              attempts.push(...answer.attempts);
              await store(p, answer);
              yield { type: 'done', answer: finish(answer, ServedFrom.PROVIDER, attempts) };
              return;
            }
          }
          throw new ConnectError(`${c.provider} ended the stream without finishing it`, Code.Unavailable);
        } catch (e) {
          const got = attemptsOf(e);
          attempts.push(...(got.length > 0 ? got : [failedAttempt(c, e, clock.now() - started)]));
          if (sent > 0) {
            throw attemptsError(
              `the stream from ${c.provider} broke after ${sent} characters had been sent; the answer is incomplete`,
              Outcome.STREAM_BROKEN,
              attempts,
            );
          }
          if (!worthFailover(attempts.at(-1)!.outcome)) break;
        }
      }
      if (options.signal.aborted) throw new ConnectError('the caller cancelled the request', Code.Canceled);
      if (attempts.length === 0) throw new ConnectError('the deadline passed before any provider was tried', Code.DeadlineExceeded);
      throw exhausted(attempts);
    },
  };
}

/** An attempt the agent could not report itself (it was unreachable, or the deadline hit). */
function failedAttempt(c: Candidate, e: unknown, latencyMs: number): Attempt {
  const err = ConnectError.from(e);
  const outcome =
    err.code === Code.DeadlineExceeded ? Outcome.TIMEOUT : err.code === Code.Canceled ? Outcome.CANCELLED : Outcome.UNAVAILABLE;
  return create(AttemptSchema, { provider: c.provider, model: c.model, outcome, latencyMs, detail: err.rawMessage });
}

export type ChatFlow = ReturnType<typeof createChatFlow>;

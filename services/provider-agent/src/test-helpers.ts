import { create } from '@bufbuild/protobuf';
import { ChatRequestSchema, FinishReason, Outcome, Role, UsageSchema } from '@ultra/contracts/chat';
import type { ProviderConfig } from '@ultra/config';
import { createSeededRandom, ManualClock } from '@ultra/core';
import { ProviderError, type Completion, type ProviderAdapter, type StreamEvent } from '@ultra/providers';
import type { ProviderResilience } from './config.ts';
import { createProviderActor, type ProviderActorDeps } from './provider-actor.ts';
import type { CallInput } from './provider-call.ts';

/** Test helpers for the provider actor (not exported by the service). */

/** What the scripted provider does with one call; calls beyond the script answer at once. */
export type Step =
  | { readonly ok?: string; readonly latencyMs?: number; readonly tokens?: number }
  | { readonly fail: Outcome; readonly retryAfterMs?: number; readonly latencyMs?: number }
  | { readonly hang: true }
  /** A stream: `chunks` after `firstMs`, then each after `gapMs`; `breakAfter` chunks then a broken connection. */
  | { readonly chunks: readonly string[]; readonly firstMs?: number; readonly gapMs?: number; readonly breakAfter?: number; readonly tokens?: number };

const completion = (text: string, tokens = 4): Completion => ({
  text,
  toolCalls: [],
  usage: create(UsageSchema, { promptTokens: 3, completionTokens: tokens, totalTokens: tokens + 3 }),
  finishReason: FinishReason.STOP,
  model: 'm1',
  id: 'id-1',
});

/** A provider on a ManualClock that does what its script says, and counts what reached it. */
export function createScriptedProvider(clock: ManualClock, name = 'alpha') {
  const script: Step[] = [];
  const counts = { calls: 0, probes: 0 };
  let probeFails = false;
  let callsFail = false;
  const fail = (outcome: Outcome, retryAfterMs?: number) =>
    new ProviderError(`${name}: ${Outcome[outcome]} (scripted)`, { outcome, provider: name, retryAfterMs });
  const wait = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clock.clearTimeout(timer);
        const timeout = (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError';
        reject(fail(timeout ? Outcome.TIMEOUT : Outcome.CANCELLED));
      };
      if (signal.aborted) return onAbort();
      if (ms <= 0) return resolve();
      const timer = clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  const next = (): Step => script.shift() ?? (callsFail ? { fail: Outcome.SERVER_ERROR } : {});

  const adapter: ProviderAdapter = {
    endpoint: { name, type: 'openai', baseUrl: 'http://scripted', models: ['m1'] },
    async complete(_model, _request, { signal }) {
      counts.calls++;
      const step = next();
      if ('hang' in step) return wait(Number.MAX_SAFE_INTEGER, signal).then(() => completion(''));
      if ('chunks' in step) throw new Error('a stream step was scripted for complete()');
      await wait(step.latencyMs ?? 0, signal);
      if ('fail' in step) throw fail(step.fail, step.retryAfterMs);
      return completion(step.ok ?? 'fine', step.tokens);
    },
    async *stream(_model, _request, { signal }): AsyncGenerator<StreamEvent> {
      counts.calls++;
      const step = next();
      if ('hang' in step) {
        await wait(Number.MAX_SAFE_INTEGER, signal);
        return;
      }
      if ('fail' in step) {
        await wait(step.latencyMs ?? 0, signal);
        throw fail(step.fail, step.retryAfterMs);
      }
      // A whole-answer step streams as one chunk after its latency (the agent streams whole answers too).
      const chunks = 'chunks' in step ? step : { chunks: [step.ok ?? 'fine'], firstMs: step.latencyMs ?? 0, gapMs: 0, breakAfter: undefined, tokens: step.tokens };
      let i = 0;
      for (const text of chunks.chunks) {
        if (i === chunks.breakAfter) throw fail(Outcome.STREAM_BROKEN);
        await wait(i === 0 ? (chunks.firstMs ?? 0) : (chunks.gapMs ?? 0), signal);
        yield { type: 'delta', text };
        i++;
      }
      yield { type: 'done', completion: completion(chunks.chunks.join(''), chunks.tokens) };
    },
    async probe({ signal }) {
      counts.probes++;
      if (signal.aborted) throw fail(Outcome.CANCELLED);
      if (probeFails) throw fail(Outcome.CONNECTION);
    },
  };
  return {
    adapter,
    counts,
    /** Appends steps for the next calls. */
    script: (...steps: Step[]) => void script.push(...steps),
    set probeFails(v: boolean) {
      probeFails = v;
    },
    /** Calls beyond the script fail with SERVER_ERROR while set. */
    set callsFail(v: boolean) {
      callsFail = v;
    },
  };
}

/** Fast-failing settings for tests: no jitter, a small backoff; `overrides` merge into each part. */
export function testResilience(overrides: Partial<ProviderResilience> = {}): ProviderResilience {
  return {
    halfOpenHealthProbe: true,
    attemptTimeoutMs: 20_000,
    firstTokenTimeoutMs: 15_000,
    idleTimeoutMs: 30_000,
    ...overrides,
    breaker: { ...overrides.breaker },
    retry: { maxAttempts: 3, baseMs: 100, capMs: 1_000, jitter: 'none', ...overrides.retry },
    budget: { ...overrides.budget },
    bulkhead: { limit: 4, queue: 2, ...overrides.bulkhead },
  };
}

export const providerConfig = (name = 'alpha'): ProviderConfig => ({
  name,
  type: 'openai',
  baseUrl: 'http://scripted',
  models: ['m1'],
  simulated: true,
  firstTokenTimeoutMs: 15_000,
  idleTimeoutMs: 30_000,
});

/** A provider actor over a scripted provider on a ManualClock. */
export function actorUnderTest(
  options: { resilience?: ProviderResilience; healthCheck?: ProviderActorDeps['healthCheck']; start?: number; onChange?: () => void } = {},
) {
  const clock = new ManualClock(options.start ?? 1_700_000_000_000);
  const provider = createScriptedProvider(clock);
  const changes: string[] = [];
  const actor = createProviderActor({
    config: providerConfig(),
    adapter: provider.adapter,
    resilience: options.resilience ?? testResilience(),
    healthCheck: options.healthCheck ?? { intervalMs: 1_000, timeoutMs: 500, threshold: 2 },
    clock,
    random: createSeededRandom(7),
    onChange: () => {
      changes.push(actor.view().breaker);
      options.onChange?.();
    },
  });
  return { clock, provider, actor, changes };
}

export const request = create(ChatRequestSchema, { messages: [{ role: Role.USER, content: 'hello' }] });

/** A call input with a fresh signal (never aborted unless the test aborts `controller`). */
export function callInput(extra: Partial<CallInput> = {}): CallInput & { controller: AbortController } {
  const controller = new AbortController();
  return { model: 'm1', request, signal: controller.signal, controller, ...extra };
}

/** Lets promise callbacks and I/O callbacks run (no time passes on the ManualClock). */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** Settles a promise into a value or the error, for assertions. */
export async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

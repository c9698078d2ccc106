import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { AttemptSchema, ChatAnswerSchema, Outcome, ServedFrom, type Attempt, type ChatRequest } from '@ultra/contracts/chat';
import { InvokeResponseSchema, ProviderAgentService, StreamInvokeResponseSchema, WatchProvidersResponseSchema } from '@ultra/contracts/provider-agent';
import type { Clock } from '@ultra/core';
import type { Completion } from '@ultra/providers';
import { attemptsError } from '@ultra/runtime';
import type { ProviderActor } from './provider-actor.ts';
import type { CallInput } from './provider-call.ts';
import { isProviderCallError, type AttemptReport } from './provider-call-error.ts';
import { toProviderState } from './provider-view.ts';
import type { ProviderWatch } from './provider-watch.ts';

export interface AgentServiceDeps {
  providers: ReadonlyMap<string, ProviderActor>;
  watch: ProviderWatch;
  clock: Clock;
}

const toWire = (provider: string, model: string, reports: readonly AttemptReport[]): Attempt[] =>
  reports.map((r) => create(AttemptSchema, { provider, model, outcome: r.outcome, latencyMs: Math.round(r.latencyMs), detail: r.detail, retryAfterMs: Math.ceil(r.retryAfterMs), shed: r.shed === true }));

function answerOf(provider: string, model: string, completion: Completion, attempts: readonly AttemptReport[], clock: Clock) {
  return create(ChatAnswerSchema, {
    id: completion.id,
    text: completion.text,
    toolCalls: completion.toolCalls,
    usage: completion.usage,
    finishReason: completion.finishReason,
    provider,
    model: completion.model,
    servedFrom: ServedFrom.PROVIDER,
    attempts: toWire(provider, model, attempts),
    created: BigInt(Math.floor(clock.now() / 1000)),
  });
}

/** ProviderAgentService handlers: find the provider's actor, call through it, report every attempt. */
export function createAgentService(deps: AgentServiceDeps): ServiceImpl<typeof ProviderAgentService> {
  const { providers, clock } = deps;

  const lookup = (name: string, model: string, request: ChatRequest | undefined) => {
    const actor = providers.get(name);
    if (!actor) throw new ConnectError(`provider "${name}" is not configured here (known: ${[...providers.keys()].join(', ')})`, Code.NotFound);
    if (!request) throw new ConnectError('request is required', Code.InvalidArgument);
    if (model === '') throw new ConnectError('model is required', Code.InvalidArgument);
    if (!actor.callable) {
      const detail = actor.view().detail;
      const attempt = create(AttemptSchema, { provider: name, model, outcome: Outcome.UNAVAILABLE, latencyMs: 0, detail });
      throw attemptsError(`${name} is unavailable: ${detail}`, Outcome.UNAVAILABLE, [attempt]);
    }
    return { actor, request };
  };

  const input = (req: { model: string; maxAttempts: number; maxRetryWaitMs: number }, request: ChatRequest, ctx: HandlerContext): CallInput => {
    const timeoutMs = ctx.timeoutMs();
    const deadlineAt = timeoutMs === undefined ? undefined : clock.now() + timeoutMs;
    return { model: req.model, request, signal: ctx.signal, deadlineAt, maxAttempts: req.maxAttempts, maxRetryWaitMs: req.maxRetryWaitMs };
  };

  const rpcError = (name: string, model: string, e: unknown, ctx: HandlerContext) => {
    if (isProviderCallError(e)) return attemptsError(e.message, e.outcome, toWire(name, model, e.attempts));
    const outcome = ctx.signal.aborted ? Outcome.CANCELLED : Outcome.SERVER_ERROR;
    const detail = e instanceof Error ? e.message : String(e);
    return attemptsError(`${name}: ${detail}`, outcome, [create(AttemptSchema, { provider: name, model, outcome, latencyMs: 0, detail })]);
  };

  return {
    async invoke(req, ctx) {
      const { actor, request } = lookup(req.provider, req.model, req.request);
      try {
        const { completion, attempts } = await actor.complete(input(req, request, ctx));
        return create(InvokeResponseSchema, { answer: answerOf(req.provider, req.model, completion, attempts, clock) });
      } catch (e) {
        throw rpcError(req.provider, req.model, e, ctx);
      }
    },

    async *streamInvoke(req, ctx) {
      const { actor, request } = lookup(req.provider, req.model, req.request);
      try {
        for await (const event of actor.stream(input(req, request, ctx))) {
          yield event.type === 'delta'
            ? create(StreamInvokeResponseSchema, { event: { case: 'delta', value: { text: event.text, toolCalls: [...(event.toolCalls ?? [])] } } })
            : create(StreamInvokeResponseSchema, { event: { case: 'done', value: answerOf(req.provider, req.model, event.completion, event.attempts, clock) } });
        }
      } catch (e) {
        throw rpcError(req.provider, req.model, e, ctx);
      }
    },

    async *watchProviders(_req, ctx) {
      for await (const views of deps.watch.subscribe(ctx.signal)) {
        yield create(WatchProvidersResponseSchema, { providers: views.map(toProviderState) });
      }
    },
  };
}

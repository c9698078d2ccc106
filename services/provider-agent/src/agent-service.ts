import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import {
  AttemptSchema,
  ChatAnswerSchema,
  Outcome,
  ServedFrom,
  type Attempt,
  type ChatRequest,
} from '@ultra/contracts/chat';
import {
  BreakerState,
  InvokeResponseSchema,
  ProviderAgentService,
  ProviderStateSchema,
  StreamInvokeResponseSchema,
  WatchProvidersResponseSchema,
} from '@ultra/contracts/provider-agent';
import type { Clock } from '@ultra/core';
import { isProviderError, type Completion } from '@ultra/providers';
import { attemptsError } from '@ultra/runtime';
import type { ProviderHandle } from './provider-handle.ts';
import type { ProviderWatch } from './provider-watch.ts';

export interface AgentServiceDeps {
  providers: ReadonlyMap<string, ProviderHandle>;
  watch: ProviderWatch;
  clock: Clock;
}

function answerOf(provider: string, completion: Completion, attempts: Attempt[], clock: Clock) {
  return create(ChatAnswerSchema, {
    id: completion.id,
    text: completion.text,
    usage: completion.usage,
    finishReason: completion.finishReason,
    provider,
    model: completion.model,
    servedFrom: ServedFrom.PROVIDER,
    attempts,
    created: BigInt(Math.floor(clock.now() / 1000)),
  });
}

/** ProviderAgentService handlers: find the provider, call through its handle, report attempts. */
export function createAgentService(deps: AgentServiceDeps): ServiceImpl<typeof ProviderAgentService> {
  const { providers, clock } = deps;

  const lookup = (name: string, model: string, request: ChatRequest | undefined) => {
    const handle = providers.get(name);
    if (!handle) {
      throw new ConnectError(`provider "${name}" is not configured here (known: ${[...providers.keys()].join(', ')})`, Code.NotFound);
    }
    if (!request) throw new ConnectError('request is required', Code.InvalidArgument);
    if (model === '') throw new ConnectError('model is required', Code.InvalidArgument);
    return { handle, request };
  };

  const failure = (name: string, model: string, started: number, e: unknown, ctx: HandlerContext) => {
    const outcome = isProviderError(e) ? e.outcome : ctx.signal.aborted ? Outcome.CANCELLED : Outcome.SERVER_ERROR;
    const detail = e instanceof Error ? e.message : String(e as unknown);
    const attempt = create(AttemptSchema, { provider: name, model, outcome, latencyMs: clock.now() - started, detail });
    return attemptsError(`${name}: ${detail}`, outcome, [attempt]);
  };

  const unavailable = (handle: ProviderHandle, model: string) => {
    const { name, detail } = handle.view;
    const attempt = create(AttemptSchema, { provider: name, model, outcome: Outcome.UNAVAILABLE, latencyMs: 0, detail });
    return attemptsError(`${name} is unavailable: ${detail}`, Outcome.UNAVAILABLE, [attempt]);
  };

  return {
    async invoke(req, ctx) {
      const { handle, request } = lookup(req.provider, req.model, req.request);
      if (!handle.callable) throw unavailable(handle, req.model);
      const started = clock.now();
      try {
        const completion = await handle.complete(req.model, request, ctx.signal);
        const attempt = create(AttemptSchema, { provider: req.provider, model: req.model, outcome: Outcome.OK, latencyMs: clock.now() - started });
        return create(InvokeResponseSchema, { answer: answerOf(req.provider, completion, [attempt], clock) });
      } catch (e) {
        throw failure(req.provider, req.model, started, e, ctx);
      }
    },

    async *streamInvoke(req, ctx) {
      const { handle, request } = lookup(req.provider, req.model, req.request);
      if (!handle.callable) throw unavailable(handle, req.model);
      const started = clock.now();
      try {
        for await (const event of handle.stream(req.model, request, ctx.signal)) {
          if (event.type === 'delta') {
            yield create(StreamInvokeResponseSchema, { event: { case: 'delta', value: { text: event.text } } });
          } else {
            const attempt = create(AttemptSchema, { provider: req.provider, model: req.model, outcome: Outcome.OK, latencyMs: clock.now() - started });
            yield create(StreamInvokeResponseSchema, { event: { case: 'done', value: answerOf(req.provider, event.completion, [attempt], clock) } });
          }
        }
      } catch (e) {
        throw failure(req.provider, req.model, started, e, ctx);
      }
    },

    async *watchProviders(_req, ctx) {
      for await (const views of deps.watch.subscribe(ctx.signal)) {
        yield create(WatchProvidersResponseSchema, {
          providers: views.map((v) =>
            create(ProviderStateSchema, {
              name: v.name,
              type: v.type,
              breaker: BreakerState.CLOSED,
              healthy: v.healthy,
              detail: v.detail,
              inFlight: v.inFlight,
              simulated: v.simulated,
              models: [...v.models],
            }),
          ),
        });
      }
    },
  };
}

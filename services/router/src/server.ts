import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UltraConfig } from '@ultra/config';
import type { Clock } from '@ultra/core';
import { Health } from '@ultra/contracts/grpc-health';
import { RouterService } from '@ultra/contracts/router';
import { addReflection, createHealthRegistry, createRpcHandler, type HealthRegistry, type NodeHandler } from '@ultra/runtime';
import type { JobQueue } from '@ultra/queue';
import type { ChatFlow } from './chat-flow.ts';
import { createJobHandlers } from './job-handlers.ts';
import { createOpenAiFront } from './openai-front.ts';
import { createRouterService } from './router-service.ts';
import type { Guard } from './auth/guard.ts';
import { createAuthInterceptor } from './auth/auth-interceptor.ts';
import { createErrorInterceptor } from './rpc-errors.ts';
import { createModeInterceptor } from './mode-headers.ts';
import type { ModeState } from './mode-state.ts';
import type { OverloadGuard } from './flow/overload-guard.ts';

export interface RouterServerDeps {
  config: UltraConfig;
  flow: ChatFlow;
  /** The durable queue behind the job RPCs; absent without Redis (they answer FAILED_PRECONDITION). */
  queue?: JobQueue | undefined;
  /** The mode every answer and every error says, on both fronts. */
  mode: ModeState;
  clock: Clock;
  /** Client keys and per-key limits for both fronts. */
  guard?: Guard;
  /** Ultra's own saturation, for the HTTP front's early shedding. */
  overload?: OverloadGuard;
  /** Answers `/metrics` on the HTTP port. */
  metrics?: { handle(req: IncomingMessage, res: ServerResponse): void };
}

/** The router's handlers, not listening yet. */
export interface RouterServer {
  /** gRPC, Connect and gRPC-Web, for the gRPC address (HTTP/2 cleartext plus HTTP/1.1). */
  rpc: NodeHandler;
  /** The HTTP/1.1 front for the HTTP address: the OpenAI-compatible API, `/metrics`, `/healthz`, and `rpc` for the rest. */
  front: NodeHandler;
  health: HealthRegistry;
}

/**
 * Builds the router's handlers; the caller listens (`start.ts`). Every RPC passes the
 * mode interceptor (the mode on every answer and error), the error interceptor (domain
 * errors become RPC errors there) and the auth interceptor (the caller's key in the context).
 */
export function build(deps: RouterServerDeps): RouterServer {
  const health = createHealthRegistry([RouterService.typeName]);
  const rpc = createRpcHandler(deps.config.services.router.grpc, {
    service: 'router',
    // A hard cap on any message; the request limits proper are checked with field names.
    readMaxBytes: 4 * deps.config.limits.maxRequestBytes,
    interceptors: [createModeInterceptor(deps.mode), createErrorInterceptor(), ...(deps.guard ? [createAuthInterceptor(deps.guard)] : [])],
    routes: (router) => {
      router.service(RouterService, createRouterService(deps.flow, createJobHandlers(deps.queue), deps.guard));
      router.service(Health, health.impl);
      addReflection(router);
    },
  });
  const front = createOpenAiFront({ flow: deps.flow, mode: deps.mode, config: deps.config, clock: deps.clock, fallback: rpc, maxBodyBytes: deps.config.limits.maxRequestBytes, metrics: deps.metrics, guard: deps.guard, overload: deps.overload });
  return { rpc, front, health };
}

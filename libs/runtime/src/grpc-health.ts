import type { ServiceImpl } from '@connectrpc/connect';
import { create } from '@bufbuild/protobuf';
import {
  Health,
  HealthCheckResponse_ServingStatus as Serving,
  HealthCheckResponseSchema,
} from '@ultra/contracts/grpc-health';
import { ConnectError, Code } from '@connectrpc/connect';
import { createNotifier } from '@ultra/core';

export { Serving };

/**
 * The standard `grpc.health.v1.Health` service: a status per service name (`""` for the
 * whole server), with Check and a Watch stream that sends every change.
 */
export interface HealthRegistry {
  set(service: string, status: Serving): void;
  get(service: string): Serving | undefined;
  /** Marks every service NOT_SERVING and ends every Watch stream (at shutdown). */
  shutdown(): void;
  readonly impl: ServiceImpl<typeof Health>;
}

export function createHealthRegistry(services: readonly string[]): HealthRegistry {
  const statuses = new Map<string, Serving>([['', Serving.SERVING], ...services.map((s) => [s, Serving.SERVING] as const)]);
  const changes = createNotifier();
  const ended = new AbortController();
  const notify = () => changes.notify();
  return {
    set(service, status) {
      if (statuses.get(service) === status) return;
      statuses.set(service, status);
      notify();
    },
    get: (service) => statuses.get(service),
    shutdown() {
      for (const key of statuses.keys()) statuses.set(key, Serving.NOT_SERVING);
      notify();
      ended.abort();
    },
    impl: {
      check(req) {
        const status = statuses.get(req.service);
        if (status === undefined) throw new ConnectError(`unknown service "${req.service}"`, Code.NotFound);
        return create(HealthCheckResponseSchema, { status });
      },
      async *watch(req, ctx) {
        let seen = -1;
        let last: Serving | undefined;
        for (;;) {
          if (changes.version !== seen) {
            seen = changes.version;
            const status = statuses.get(req.service) ?? Serving.SERVICE_UNKNOWN;
            if (status !== last) {
              last = status;
              yield create(HealthCheckResponseSchema, { status });
            }
            continue; // a change may have come while the message was out
          }
          if (ctx.signal.aborted || ended.signal.aborted) return;
          await changes.wait(seen, ctx.signal, ended.signal);
        }
      },
    },
  };
}

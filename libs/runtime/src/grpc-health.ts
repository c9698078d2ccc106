import type { ServiceImpl } from '@connectrpc/connect';
import { create } from '@bufbuild/protobuf';
import {
  Health,
  HealthCheckResponse_ServingStatus as Serving,
  HealthCheckResponseSchema,
} from '@ultra/contracts/grpc-health';
import { ConnectError, Code } from '@connectrpc/connect';

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
  const watchers = new Set<() => void>();
  const ended = new AbortController();
  const notify = () => {
    for (const w of watchers) w();
  };
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
        let wake: (() => void) | undefined;
        let changed = true;
        const onChange = () => {
          changed = true;
          wake?.();
        };
        watchers.add(onChange);
        const onAbort = () => wake?.();
        ctx.signal.addEventListener('abort', onAbort);
        ended.signal.addEventListener('abort', onAbort);
        let last: Serving | undefined;
        try {
          for (;;) {
            if (changed) {
              changed = false;
              const status = statuses.get(req.service) ?? Serving.SERVICE_UNKNOWN;
              if (status !== last) {
                last = status;
                yield create(HealthCheckResponseSchema, { status });
              }
            }
            if (ctx.signal.aborted || ended.signal.aborted) return;
            await new Promise<void>((resolve) => (wake = resolve));
          }
        } finally {
          watchers.delete(onChange);
          ctx.signal.removeEventListener('abort', onAbort);
          ended.signal.removeEventListener('abort', onAbort);
        }
      },
    },
  };
}

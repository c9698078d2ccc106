import type { DescMethod } from '@bufbuild/protobuf';
import { createConnectRouter, createMethodImplSpec, createServiceImplSpec, type ConnectRouter, type MethodImplSpec } from '@connectrpc/connect';

/**
 * Runs `routes` once against a router that records each registration, so the same service
 * objects serve both the listener (`replay`) and in-process callers (`methods`).
 */
export function collectRoutes(routes: (router: ConnectRouter) => void): { methods: Map<DescMethod, MethodImplSpec>; replay: (router: ConnectRouter) => void } {
  const real = createConnectRouter();
  const methods = new Map<DescMethod, MethodImplSpec>();
  const calls: ((r: ConnectRouter) => void)[] = [];
  const router: ConnectRouter = {
    get handlers() {
      return real.handlers;
    },
    service(service, impl, options) {
      real.service(service, impl, options);
      calls.push((r) => r.service(service, impl, options));
      for (const spec of Object.values(createServiceImplSpec(service, impl).methods)) methods.set(spec.method, spec);
      return router;
    },
    rpc(method, impl, options) {
      real.rpc(method, impl, options);
      calls.push((r) => r.rpc(method, impl, options));
      methods.set(method, createMethodImplSpec(method, impl));
      return router;
    },
  };
  routes(router);
  return { methods, replay: (r) => calls.forEach((call) => call(r)) };
}

import type { ConnectRouter, Interceptor } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { Address } from '@ultra/config';
import type { NodeHandler } from './listener.ts';
import { offerInProcess } from './local-links.ts';
import { collectRoutes } from './collect-routes.ts';
import { createLeanUnaryHandler } from './lean-server.ts';

export interface RpcHandlerOptions {
  /** The service (`router`, `provider-agent`, `cache`, `health`): its spans' `service.name` when called in process. */
  service: string;
  /** The services to serve (as `connectNodeAdapter` takes them); run once. */
  routes: (router: ConnectRouter) => void;
  /** Server interceptors, for both the listener and in-process callers. Default none. */
  interceptors?: Interceptor[];
  /** Largest message read, bytes. Default Connect's (about 4 GiB). */
  readMaxBytes?: number;
}

/**
 * The Node handler for a service's RPC listener at `address` (gRPC, gRPC-Web and Connect),
 * and the same service objects offered to callers in this process when it hosts several
 * services (topology `single`): one set of handlers, two ways in. Connect's binary unary
 * calls are answered on a lean path (lean-server.ts), everything else by connect's adapter.
 */
export function createRpcHandler(address: Address, options: RpcHandlerOptions): NodeHandler {
  const interceptors = options.interceptors ?? [];
  const { methods, replay } = collectRoutes(options.routes);
  offerInProcess(address, { service: options.service, methods, interceptors, calls: { inFlight: 0 } });
  const readMax = options.readMaxBytes !== undefined ? { readMaxBytes: options.readMaxBytes } : {};
  const connect = connectNodeAdapter({ interceptors, routes: replay, ...readMax });
  // Connect's binary unary calls (what Ultra's services send each other) on the lean path.
  return createLeanUnaryHandler(methods, connect, { interceptors, ...readMax });
}

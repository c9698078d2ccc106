import { Code, ConnectError, createContextKey, type HandlerContext, type Interceptor } from '@connectrpc/connect';
import type { ClientKey } from '@ultra/config';
import { RouterService } from '@ultra/contracts/router';
import type { Guard } from './guard.ts';

/** The RouterService methods that need an admin key: the dead-letter ones. */
export const ADMIN_METHODS: ReadonlySet<string> = new Set([RouterService.method.listDeadLetters.name, RouterService.method.redriveDeadLetter.name, RouterService.method.purgeDeadLetter.name]);

/** The caller's client key, found by the auth interceptor; `undefined` when the router runs open. */
export const callerKey = createContextKey<ClientKey | undefined>(undefined, { description: 'the client key of the caller' });

/**
 * A server interceptor that authenticates every RouterService call by its
 * `authorization` header (UNAUTHENTICATED without a valid key; PERMISSION_DENIED on a
 * dead-letter RPC without an admin key) and puts the caller's key in the context
 * ({@link callerKey}) for the handlers. The other services on the port (grpc.health.v1,
 * reflection) stay open, and so does everything while no client key is configured.
 */
export function createAuthInterceptor(guard: Guard): Interceptor {
  return (next) => async (req) => {
    if (!guard.enabled || req.service.typeName !== RouterService.typeName) return next(req);
    const authorization = req.header.get('authorization');
    const key = ADMIN_METHODS.has(req.method.name) ? guard.requireAdmin(authorization) : guard.identify(authorization);
    req.contextValues.set(callerKey, key);
    return next(req);
  };
}

/**
 * The caller's key in a handler: `undefined` when the router runs open. With keys
 * configured and none in the context, the auth interceptor is missing from the server:
 * INTERNAL, rather than serving the call as if the router were open.
 */
export function callerOf(ctx: HandlerContext, guard: Guard | undefined): ClientKey | undefined {
  const key = ctx.values.get(callerKey);
  if (guard?.enabled && !key) throw new ConnectError('no caller in the context: the router serves RouterService without its auth interceptor', Code.Internal);
  return key;
}

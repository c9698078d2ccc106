import { createHash, timingSafeEqual } from 'node:crypto';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import type { UltraConfig } from '@ultra/config';

/**
 * A server interceptor for a service's admin RPCs (force a breaker, pin a mode, invalidate
 * the cache): when client keys are configured, the call needs `authorization: Bearer` with
 * an admin key (PERMISSION_DENIED for an ordinary one, UNAUTHENTICATED for none). Without
 * keys Ultra runs open, on loopback only, and admin RPCs are open too.
 * @param methods admin method names, as `Service/Method` or just the method name
 */
export function createAdminInterceptor(config: UltraConfig, methods: readonly string[]): Interceptor {
  const keys = config.auth.keys;
  const admin = new Set(methods);
  return (next) => async (req) => {
    if (keys.length === 0 || !(admin.has(req.method.name) || admin.has(`${req.service.typeName}/${req.method.name}`))) return next(req);
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.header.get('authorization') ?? '');
    if (!match) throw new ConnectError(`${req.method.name} is an admin RPC: send authorization: Bearer <admin key>`, Code.Unauthenticated);
    const digest = createHash('sha256').update(match[1]!).digest();
    let found: (typeof keys)[number] | undefined;
    for (const k of keys) if (timingSafeEqual(digest, k.hash) && !found) found = k;
    if (!found) throw new ConnectError('the key in the authorization header is not valid', Code.Unauthenticated);
    if (!found.admin) throw new ConnectError(`key "${found.name}" is not an admin key`, Code.PermissionDenied);
    return next(req);
  };
}

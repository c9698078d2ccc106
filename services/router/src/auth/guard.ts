import { Code, ConnectError } from '@connectrpc/connect';
import { Priority, type ChatRequest } from '@ultra/contracts/chat';
import type { ClientKey, PriorityName, UltraConfig } from '@ultra/config';
import { toRpcError } from '../rpc-errors.ts';
import { isKeyLimitError, type KeyLimiter } from './key-limiter.ts';
import { bearerOf, type KeyStore } from './key-store.ts';

const RANK: Record<PriorityName, number> = { high: 0, normal: 1, low: 2, batch: 3 };
const BY_RANK = [Priority.HIGH, Priority.NORMAL, Priority.LOW, Priority.BATCH];
const rankOf = (p: Priority) => (p === Priority.UNSPECIFIED ? 1 : Math.max(0, BY_RANK.indexOf(p)));

/** Who is asking, once admitted; `undefined` key when the router runs open. */
export interface Admitted {
  key: ClientKey | undefined;
  /** The tenant whose cache entries and jobs this request may see ('' when open). */
  tenant: string;
  request: ChatRequest;
  /** Ends the request's hold on its key's concurrency. */
  release: () => Promise<void>;
}

/** A rough token count for limits before the answer is known: 4 characters a token, plus max_tokens. */
export function estimateTokens(request: ChatRequest): number {
  const chars = request.messages.reduce((n, m) => n + m.content.length, 0);
  return Math.ceil(chars / 4) + (request.sampling?.maxTokens ?? 256);
}

/**
 * Authentication and per-key policy for both fronts: the bearer key, the models it may
 * use, its priority ceiling, its limits across routers. It belongs to the RPC edge (the
 * auth interceptor and the OpenAI front call it), so its refusals are RPC errors.
 */
export function createGuard(deps: { config: UltraConfig; keys: KeyStore; limiter: KeyLimiter }) {
  const { config, keys, limiter } = deps;
  return {
    enabled: keys.enabled,

    /** Authenticates a caller by its `authorization` header; throws UNAUTHENTICATED. */
    identify(authorization: string | null | undefined): ClientKey | undefined {
      if (!keys.enabled) return undefined;
      const key = keys.authenticate(bearerOf(authorization));
      if (!key) {
        throw new ConnectError(
          authorization ? 'the key in the authorization header is not valid' : 'a key is required: send authorization: Bearer <key>',
          Code.Unauthenticated,
        );
      }
      return key;
    },

    /** The caller's key, if an admin key (`undefined` when the router runs open); throws UNAUTHENTICATED, or PERMISSION_DENIED for another key. */
    requireAdmin(authorization: string | null | undefined): ClientKey | undefined {
      const key = this.identify(authorization);
      if (key && !key.admin) throw new ConnectError(`key "${key.name}" is not an admin key`, Code.PermissionDenied);
      return key;
    },

    /** Admits a chat request for `key`: models, priority ceiling, limits. */
    async admit(key: ClientKey | undefined, request: ChatRequest, stream: boolean): Promise<Admitted> {
      if (!key) return { key, tenant: '', request, release: async () => undefined };
      const model = request.model === '' ? config.defaultModel : request.model;
      if (key.models.length > 0 && !key.models.includes(model)) {
        throw new ConnectError(`model: key "${key.name}" may not use "${model}" (allowed: ${key.models.join(', ')})`, Code.PermissionDenied);
      }
      let admitted = request;
      if (rankOf(request.priority) < RANK[key.maxPriority]) {
        admitted = { ...request, priority: BY_RANK[RANK[key.maxPriority]]! };
      }
      try {
        const release = await limiter.admit(key, estimateTokens(request), stream);
        return { key, tenant: key.tenant, request: admitted, release };
      } catch (e) {
        if (isKeyLimitError(e)) throw toRpcError(e);
        throw e;
      }
    },
  };
}

export type Guard = ReturnType<typeof createGuard>;

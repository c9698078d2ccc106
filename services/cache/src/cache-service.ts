import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import {
  CacheService,
  GetResponseSchema,
  InvalidateResponseSchema,
  PutResponseSchema,
  StatsResponseSchema,
} from '@ultra/contracts/cache';
import { createConfigHandlers } from './config-handlers.ts';
import { createLeaseHandlers } from './lease-handlers.ts';
import { toEntry } from './put-input.ts';
import { scopeKey } from './scope.ts';
import { layerOf, type CacheServiceDeps } from './service-deps.ts';
import { checkKey, checkNamespace } from './validate.ts';

export type { CacheServiceDeps } from './service-deps.ts';

/** CacheService: handlers translate messages to the store and back; limits are checked here. */
export function createCacheService(deps: CacheServiceDeps): ServiceImpl<typeof CacheService> {
  const { store, clock } = deps;
  return {
    async get(req) {
      const scoped = scopeKey(checkNamespace(req.namespace), checkKey(req.key, 'key'));
      const found = await store.lookup(scoped, req.allowStale);
      if (!found) return create(GetResponseSchema, { found: false });
      return create(GetResponseSchema, {
        found: true,
        value: found.entry.value,
        layer: layerOf(found.layer),
        stale: found.stale,
        ageMs: BigInt(Math.max(0, clock.now() - found.entry.storedAt)),
      });
    },
    async put(req) {
      const { scoped, entry } = toEntry(req, deps, clock.now());
      const { shared } = await store.put(scoped, entry, req.leaseToken);
      return create(PutResponseSchema, { shared });
    },
    async invalidate(req) {
      const t = req.target;
      if (t.case === undefined) throw new ConnectError('target must be one of key, prefix or tag', Code.InvalidArgument);
      const namespace = checkNamespace(req.namespace);
      const removed = await store.invalidate({ kind: t.case, namespace, value: checkKey(t.value, t.case) });
      return create(InvalidateResponseSchema, { removed: BigInt(removed) });
    },
    stats() {
      const c = store.counters;
      const n = (v: number) => BigInt(v);
      return create(StatsResponseSchema, {
        localHits: n(c.localHits),
        localMisses: n(c.localMisses),
        redisHits: n(c.redisHits),
        redisMisses: n(c.redisMisses),
        misses: n(c.misses),
        staleHits: n(c.staleHits),
        puts: n(c.puts),
        evictions: n(c.evictions),
        expired: n(c.expired),
        localEntries: n(store.local.size),
        localBytes: n(store.local.bytes),
        maxEntries: n(store.local.maxEntries),
        maxBytes: n(store.local.maxBytes),
        redisErrors: n(c.redisErrors),
        redisTimeouts: n(c.redisTimeouts),
        redisSkipped: n(c.redisSkipped),
        invalidationsSent: n(c.invalidationsSent),
        invalidationsReceived: n(c.invalidationsReceived),
        resyncs: n(c.resyncs),
        leaseGrants: n(c.leaseGrants),
        leaseWaits: n(c.leaseWaits),
        leaseTimeouts: n(c.leaseTimeouts),
        pendingWrites: n(store.pendingWrites),
        warmed: n(c.warmed),
        backend: store.backend,
        redisState: store.backend === 'memory' ? 'none' : store.health.degraded ? `degraded: ${store.health.reason}` : 'ok',
      });
    },
    ...createLeaseHandlers(deps),
    ...createConfigHandlers(deps),
  };
}

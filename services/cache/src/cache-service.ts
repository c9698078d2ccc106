import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import {
  CacheService,
  GetResponseSchema,
  InvalidateResponseSchema,
  Layer,
  PutResponseSchema,
  StatsResponseSchema,
} from '@ultra/contracts/cache';
import type { Clock } from '@ultra/core';
import type { Store } from './store.ts';

export interface CacheServiceDeps {
  store: Store;
  clock: Clock;
  /** Defaults for a Put that gives none, in milliseconds. */
  ttlMs: number;
  staleMs: number;
  /** Largest value accepted, in bytes. */
  maxValueBytes: number;
}

const MAX_KEY_LENGTH = 512;

function checkKey(key: string, field = 'key'): void {
  if (key === '') throw new ConnectError(`${field} must not be empty`, Code.InvalidArgument);
  if (key.length > MAX_KEY_LENGTH) {
    throw new ConnectError(`${field} is ${key.length} characters long, over the limit of ${MAX_KEY_LENGTH}`, Code.InvalidArgument);
  }
}

/** CacheService handlers: translate messages to the store and back. */
export function createCacheService(deps: CacheServiceDeps): ServiceImpl<typeof CacheService> {
  const { store, clock } = deps;
  return {
    async get(req) {
      checkKey(req.key);
      const found = await store.get(req.key, req.allowStale);
      if (!found) return create(GetResponseSchema, { found: false });
      return create(GetResponseSchema, {
        found: true,
        value: found.entry.value,
        layer: found.layer === 'local' ? Layer.LOCAL : Layer.REDIS,
        stale: found.stale,
        ageMs: BigInt(Math.max(0, clock.now() - found.entry.storedAt)),
      });
    },
    async put(req) {
      checkKey(req.key);
      if (req.value.byteLength > deps.maxValueBytes) {
        throw new ConnectError(
          `value is ${req.value.byteLength} bytes, over the limit of ${deps.maxValueBytes} bytes`,
          Code.InvalidArgument,
        );
      }
      const now = clock.now();
      const ttl = req.ttlMs === 0n ? deps.ttlMs : Number(req.ttlMs);
      const stale = req.staleMs === 0n ? deps.staleMs : Number(req.staleMs);
      await store.put(req.key, { value: req.value, storedAt: now, expiresAt: now + ttl, staleUntil: now + ttl + stale, tags: req.tags });
      return create(PutResponseSchema, {});
    },
    async invalidate(req) {
      const t = req.target;
      if (t.case === undefined) throw new ConnectError('target must be one of key, prefix or tag', Code.InvalidArgument);
      checkKey(t.value, t.case);
      const removed = await store.invalidate({ [t.case]: t.value });
      return create(InvalidateResponseSchema, { removed: BigInt(removed) });
    },
    stats() {
      const s = store.stats;
      return create(StatsResponseSchema, {
        localHits: BigInt(s.localHits),
        redisHits: BigInt(s.redisHits),
        misses: BigInt(s.misses),
        staleHits: BigInt(s.staleHits),
        puts: BigInt(s.puts),
        evictions: BigInt(s.evictions),
        localEntries: BigInt(store.localEntries),
        localBytes: BigInt(store.localBytes),
        redisErrors: BigInt(s.redisErrors),
        backend: store.backend,
      });
    },
  };
}

import type { Address, UltraConfig } from '@ultra/config';
import { CacheService } from '@ultra/contracts/cache';
import { Health } from '@ultra/contracts/grpc-health';
import { addReflection, createAdminInterceptor, createRpcHandler, createHealthRegistry, Serving, type HealthRegistry, type NodeHandler } from '@ultra/runtime';
import { createCacheService, type CacheServiceDeps } from './cache-service.ts';

/**
 * The `grpc.health.v1` service name that reports Redis: NOT_SERVING while the cache is cut
 * off from Redis (it still answers from its local replica, so `""` and
 * `ultra.cache.v1.CacheService` stay SERVING and probes keep routing to it). Registered
 * only when Redis is configured.
 */
export const REDIS_HEALTH_SERVICE = `${CacheService.typeName}/redis`;

export interface CacheServerDeps extends CacheServiceDeps {
  address: Address;
  /** For the admin check on Invalidate and PutConfig (needs an admin key once client keys exist). */
  ultraConfig?: UltraConfig;
}

/** Mirrors the store's Redis health into the registry; returns the unsubscribe function. */
export function reportRedisHealth(deps: Pick<CacheServiceDeps, 'store'>, health: HealthRegistry): () => void {
  const { store } = deps;
  if (store.backend !== 'redis') return () => undefined;
  const set = (degraded: boolean) => health.set(REDIS_HEALTH_SERVICE, degraded ? Serving.NOT_SERVING : Serving.SERVING);
  set(store.health.degraded);
  return store.health.onChange(set);
}

/** The cache service's handler for its address, not listening yet; `close` ends the Redis health mirror. */
export interface CacheServer {
  handler: NodeHandler;
  health: HealthRegistry;
  close(): void;
}

/** Builds the cache service's handler (CacheService, grpc.health.v1, reflection); the caller listens. */
export function build(deps: CacheServerDeps): CacheServer {
  const health = createHealthRegistry([CacheService.typeName]);
  const stop = reportRedisHealth(deps, health);
  const handler = createRpcHandler(deps.address, {
    service: 'cache',
    interceptors: deps.ultraConfig ? [createAdminInterceptor(deps.ultraConfig, ['Invalidate', 'PutConfig'])] : [],
    routes: (router) => {
      router.service(CacheService, createCacheService(deps));
      router.service(Health, health.impl);
      addReflection(router);
    },
  });
  return { handler, health, close: stop };
}

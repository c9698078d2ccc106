import type { Address, UltraConfig } from '@ultra/config';
import { CacheService } from '@ultra/contracts/cache';
import { Health } from '@ultra/contracts/grpc-health';
import { addReflection, createAdminInterceptor, createRpcHandler, createHealthRegistry, listen, Serving, type HealthRegistry, type RunningService } from '@ultra/runtime';
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

/** Builds and starts the cache service's listener. */
export async function build(deps: CacheServerDeps): Promise<RunningService & { health: HealthRegistry; close(): Promise<void> }> {
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
  const listener = await listen(deps.address, handler);
  return { listeners: [listener], health, close: async () => stop() };
}

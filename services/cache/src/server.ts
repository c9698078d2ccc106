import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { Address } from '@ultra/config';
import { CacheService } from '@ultra/contracts/cache';
import { Health } from '@ultra/contracts/grpc-health';
import { createHealthRegistry, listen, type RunningService } from '@ultra/runtime';
import { createCacheService, type CacheServiceDeps } from './cache-service.ts';

export interface CacheServerDeps extends CacheServiceDeps {
  address: Address;
}

/** Builds and starts the cache service's listener. */
export async function build(deps: CacheServerDeps): Promise<RunningService> {
  const health = createHealthRegistry([CacheService.typeName]);
  const handler = connectNodeAdapter({
    routes: (router) => {
      router.service(CacheService, createCacheService(deps));
      router.service(Health, health.impl);
    },
  });
  const listener = await listen(deps.address, handler);
  return { listeners: [listener], health };
}

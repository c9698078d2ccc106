import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { CacheService, GetConfigResponseSchema, PutConfigResponseSchema, WatchConfigResponseSchema } from '@ultra/contracts/cache';
import { layerOf, type CacheServiceDeps } from './service-deps.ts';
import { checkKey, checkValue } from './validate.ts';

type Handlers = Pick<ServiceImpl<typeof CacheService>, 'getConfig' | 'putConfig' | 'watchConfig'>;

export function createConfigHandlers(deps: CacheServiceDeps): Handlers {
  const { config } = deps;
  return {
    async getConfig(req) {
      const v = await config.get(checkKey(req.name, 'name'));
      return create(GetConfigResponseSchema, { found: v.found, value: v.value, layer: layerOf(v.layer), updatedAtMs: BigInt(v.updatedAt) });
    },
    async putConfig(req) {
      const name = checkKey(req.name, 'name');
      const { shared } = await config.put(name, checkValue(req.value, deps.maxValueBytes));
      return create(PutConfigResponseSchema, { shared });
    },
    async *watchConfig(req, ctx) {
      const name = checkKey(req.name, 'name');
      const signal = deps.shutdown ? AbortSignal.any([ctx.signal, deps.shutdown]) : ctx.signal;
      for await (const v of config.watch(name, signal)) {
        yield create(WatchConfigResponseSchema, { found: v.found, value: v.value, updatedAtMs: BigInt(v.updatedAt) });
      }
    },
  };
}

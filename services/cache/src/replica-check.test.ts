import { describe, expect, it } from 'vitest';
import { assertAloneWithoutRedis, isLoneReplicaError } from './replica-check.ts';

const own = () => ['127.0.0.1', '10.0.0.5'];

describe('a cache without Redis', () => {
  it('starts alone: the default dial, one address, or a dns: name listing only itself or nothing yet', async () => {
    await assertAloneWithoutRedis([{ host: '127.0.0.1', port: 50071, dns: false }]);
    await assertAloneWithoutRedis([{ host: 'ultra-cache', port: 50071, dns: true }], { lookup: async () => [], ownAddresses: own });
    await assertAloneWithoutRedis([{ host: 'ultra-cache', port: 50071, dns: true }], { lookup: async () => ['10.0.0.5'], ownAddresses: own });
  });

  it('refuses beside other replicas, saying why and what to do', async () => {
    const two = assertAloneWithoutRedis([
      { host: 'cache-a', port: 50071, dns: false },
      { host: 'cache-b', port: 50071, dns: false },
    ]);
    await expect(two).rejects.toThrow(/services\.cache\.dial names 2 replicas \(cache-a:50071, cache-b:50071\), but REDIS_URL is not set.*Set REDIS_URL/);
    const second = assertAloneWithoutRedis([{ host: 'ultra-cache', port: 50071, dns: true }], { lookup: async () => ['10.0.0.7'], ownAddresses: own });
    await expect(second).rejects.toThrow('dns:ultra-cache:50071 already has 1 other replica(s) (10.0.0.7), but REDIS_URL is not set');
    await expect(second.catch((e: unknown) => isLoneReplicaError(e))).resolves.toBe(true);
  });
});

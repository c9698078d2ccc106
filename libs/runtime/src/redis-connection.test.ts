import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, pollUntil, startRedis, startSentinelSet, stopRedis, type RedisServer, type SentinelSet } from '@ultra/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRedisUrl } from '@ultra/config';
import { createRedisConnection, isRedisClusterError, redisOptions } from './redis-connection.ts';

const errors = (r: Redis) => {
  const seen: Error[] = [];
  r.on('error', (e: Error) => seen.push(e));
  return seen;
};

describe('redisOptions', () => {
  it("keeps each use's own behaviour (the queue's maxRetriesPerRequest: null) beside where the URL says", () => {
    const target = parseRedisUrl('rediss+sentinel://u:pw@s1,s2:26380/ultra/2?sentinel_password=sp');
    if (target.kind !== 'sentinel') throw new Error('not a Sentinel target');
    const o = redisOptions(target, { connectionName: 'ultra-queue-worker', maxRetriesPerRequest: null, refuseCluster: false });
    expect(o).toMatchObject({
      connectionName: 'ultra-queue-worker',
      maxRetriesPerRequest: null,
      sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }],
      name: 'ultra',
      role: 'master',
      db: 2,
      username: 'u',
      password: 'pw',
      sentinelPassword: 'sp',
      tls: {},
      sentinelTLS: {},
      enableTLSForSentinelMode: true,
      failoverDetector: true,
    });
    expect(o).not.toHaveProperty('refuseCluster');
  });
});

describe('createRedisConnection through Sentinel, with passwords', () => {
  let set: SentinelSet;
  const open: Redis[] = [];
  const connect = (url: string, name: string) => {
    const r = createRedisConnection(url, { connectionName: name, maxRetriesPerRequest: 1, connectTimeout: 1_000 });
    open.push(r);
    return r;
  };

  beforeAll(async () => {
    set = await startSentinelSet({ password: 'data-pw', sentinelPassword: 'watch-pw' });
  }, 30_000);
  afterAll(async () => {
    for (const r of open) r.disconnect();
    await set?.stop();
  });

  it('finds the master through the Sentinels, skipping one that is down, and logs in to both', async () => {
    const dead = await freePort();
    const url = set.url.replace('redis+sentinel://:data-pw@', `redis+sentinel://:data-pw@127.0.0.1:${dead},`);
    const r = connect(url, 'ultra-test');
    await r.set('k', 'v');
    // The write went to the master the Sentinels name, and the connection says who it is.
    const master = createRedisConnection(`redis://:data-pw@127.0.0.1:${await set.masterPort()}`, { connectionName: 'ultra-test-check' });
    open.push(master);
    expect(await master.get('k')).toBe('v');
    expect(await master.client('LIST')).toContain('name=ultra-test ');
  });

  it('a wrong Sentinel password fails to connect, and no error carries a password', async () => {
    const r = createRedisConnection(set.url.replace('watch-pw', 'not-it'), { connectionName: 'ultra-test-bad', enableOfflineQueue: false });
    open.push(r);
    const seen = errors(r);
    await expect(r.ping()).rejects.toThrow();
    await pollUntil('an error from the Sentinels', async () => seen.length, (n) => n > 0, 10_000);
    expect(seen[0]?.message).toMatch(/All sentinels are unreachable.*WRONGPASS/);
    expect(seen.map((e) => e.message).join('\n')).not.toMatch(/not-it|data-pw|watch-pw/);
  });
});

describe('createRedisConnection and Redis Cluster', () => {
  let node: RedisServer;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ultra-cluster-'));
    node = await startRedis(undefined, ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf')]);
  }, 30_000);
  afterAll(async () => {
    if (node) await stopRedis(node);
  });

  it('refuses a Cluster node with an error saying why, and stays closed', async () => {
    const r = createRedisConnection(node.url, { connectionName: 'ultra-cache' });
    const seen = errors(r);
    await new Promise<void>((resolve) => r.once('end', () => resolve()));
    const refusal = seen.find(isRedisClusterError);
    expect(refusal?.message).toMatch(/^ultra-cache: the server at REDIS_URL is a Redis Cluster node; Redis Cluster is not supported: .*CROSSSLOT/);
    expect(r.status).toBe('end');
  });
});

import { Layer } from '@ultra/contracts/cache';
import { HealthCheckResponse_ServingStatus as Serving } from '@ultra/contracts/grpc-health';
import { JobState } from '@ultra/contracts/router';
import { pollUntil, roleOf, startCacheReplicas, startSentinelSet, type CacheReplica, type SentinelSet } from '@ultra/testkit';
import { answer, ask, jobUntil, queueConfig, startQueue, type TestQueue } from '@ultra/testkit/queue';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// REDIS_URL in its Sentinel form, end to end: two cache processes (config → connection
// factory → Sentinel → master) and the queue (BullMQ on the same factory), then a
// `SENTINEL FAILOVER` after which both write to the promoted replica.

const REDIS_HEALTH = 'ultra.cache.v1.CacheService/redis';
const PASSWORD = 'data-secret-4417';
const SENTINEL_PASSWORD = 'watch-secret-9021';
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

type Replica = CacheReplica;

/** Runs `f` on a connection of its own to the server at `port` (undefined when it does not answer). */
async function onServer<T>(port: number, f: (r: Redis) => Promise<T>): Promise<T | undefined> {
  const r = new Redis({ port, host: '127.0.0.1', password: PASSWORD, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await f(r);
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}

/** The names of the client connections the server at `port` holds (`CLIENT SETNAME`). */
const clientNames = async (port: number): Promise<string[]> =>
  (await onServer(port, async (r) => [...((await r.client('LIST')) as string).matchAll(/ name=(\S+)/g)].map((m) => m[1]!).sort())) ?? [];

/** The keys matching `pattern` on the server at `port`. */
const keysOn = async (port: number, pattern: string): Promise<string[]> => (await onServer(port, (r) => r.keys(pattern))) ?? [];

describe('REDIS_URL through Sentinel: two cache processes and the queue, across a failover', () => {
  let set: SentinelSet;
  let replicas: Replica[] = [];
  let queue: TestQueue;

  beforeAll(async () => {
    set = await startSentinelSet({ sentinels: 2, password: PASSWORD, sentinelPassword: SENTINEL_PASSWORD });
    expect(set.url).toMatch(/^redis\+sentinel:\/\/:data-secret-4417@127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/ultra-master\?sentinel_password=watch-secret-9021$/);
    replicas = await startCacheReplicas(['cache-a', 'cache-b'], { redisUrl: set.url });
    for (const r of replicas) {
      await pollUntil(`${r.proc.name} synced with Redis`, async () => (await r.health.check({ service: REDIS_HEALTH }, { timeoutMs: 1000 }).catch(() => undefined))?.status, (s) => s === Serving.SERVING);
    }
    queue = startQueue(set.url, queueConfig(), { complete: async (request) => answer(`done: ${request.messages.at(-1)?.content ?? ''}`) });
  }, 60_000);

  afterAll(async () => {
    await queue?.stop();
    const codes = await Promise.all(replicas.map((r) => r.proc.stop('SIGTERM')));
    await set?.stop();
    expect(codes).toEqual(replicas.map(() => 0));
    // The passwords were in REDIS_URL; nothing the processes wrote holds them.
    const output = replicas.flatMap((r) => r.proc.output).join('\n');
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain(SENTINEL_PASSWORD);
  });

  it('a Put on one cache reaches the other through the master the Sentinels name', async () => {
    const [a, b] = replicas as [Replica, Replica];
    expect(await a.cache.put({ key: 'before', value: bytes('v1') })).toMatchObject({ shared: true });
    expect(await b.cache.get({ key: 'before' })).toMatchObject({ found: true, value: bytes('v1'), layer: Layer.REDIS });
    const master = await set.masterPort();
    expect(master).toBe(set.servers[0]!.port);
    expect(await clientNames(master)).toEqual(expect.arrayContaining(['ultra-cache', 'ultra-cache-sub', 'ultra-queue', 'ultra-queue-worker']));
  });

  it('a job runs through the queue on the same Sentinel URL', async () => {
    const { job } = await queue.queue.submit(ask('first', 'sentinel-job-1'));
    expect(await jobUntil(queue.queue, job.id)).toMatchObject({ state: JobState.SUCCEEDED, answer: { text: 'done: first' } });
  });

  it('after SENTINEL FAILOVER the caches and the queue write to the promoted replica, none to the old master', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const { from, to } = await set.failover();
    expect(to).toBe(set.servers[1]!.port);
    // Every connection hears +switch-master from the Sentinels and moves, while the old
    // master is still up and still a master: the Sentinels demote it only seconds later.
    const ours = ['ultra-cache', 'ultra-cache-sub', 'ultra-queue', 'ultra-queue-worker'];
    await pollUntil('every connection on the new master', () => clientNames(to), (names) => ours.every((n) => names.includes(n)), 20_000);
    expect((await clientNames(from)).filter((n) => ours.includes(n) || n.startsWith(queue.config.keyPrefix))).toEqual([]);

    await pollUntil('a Put shared through Redis again', async () => (await a.cache.put({ key: 'after', value: bytes('v2') })).shared, (shared) => shared, 20_000);
    await pollUntil('the Put seen by the other cache', async () => (await b.cache.get({ key: 'after' })).value, (v) => text(v) === 'v2', 10_000);
    const { job } = await queue.queue.submit(ask('second', 'sentinel-job-2'));
    expect(await jobUntil(queue.queue, job.id, undefined, 20_000)).toMatchObject({ state: JobState.SUCCEEDED, answer: { text: 'done: second' } });

    // Both writes are on the new master. On the old one they are absent, unless the
    // Sentinels have demoted it by now (a replica copies them): checked in that order.
    const written = async (port: number) => ({ entry: (await keysOn(port, 'ultra:cache:e:*after*')).length, job: (await keysOn(port, `${queue.config.keyPrefix}:chat-jobs:${job.id}`)).length });
    expect(await written(to)).toEqual({ entry: 1, job: 1 });
    const onOld = await written(from);
    const oldRole = await roleOf(from, PASSWORD);
    if (oldRole === 'master') expect(onOld).toEqual({ entry: 0, job: 0 });
    console.info(`failover ${from} → ${to}; the old master, now ${oldRole}, holds ${JSON.stringify(onOld)}`);
  });
});

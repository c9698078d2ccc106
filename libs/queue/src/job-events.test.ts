import { startRedis, type RedisServer } from '@ultra/testkit';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobEvents, streamTail } from './job-events.ts';
import { CANCELLED_EVENT } from './job-scripts.ts';

let server: RedisServer;
let redis: Redis;
beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe('the job event reader', () => {
  it('hears an event added after ready() even when its first blocking read reaches Redis later', async () => {
    const prefix = `t${Date.now()}`;
    const eventsKey = `${prefix}:q:events`;
    await redis.xadd(eventsKey, '*', 'event', CANCELLED_EVENT, 'jobId', 'before');
    let reader: QueueEvents | undefined;
    // autorun off: the reader reads nothing until run() below, standing in for a reader
    // whose connection is slow to come up on a loaded machine.
    const events = createJobEvents(
      (lastEventId) => (reader = new QueueEvents('q', { connection: redis, prefix, lastEventId, autorun: false })),
      () => streamTail(redis, eventsKey),
    );
    const heard: string[] = [];
    events.onCancelled((id) => heard.push(id));
    await events.ready();
    await redis.xadd(eventsKey, '*', 'event', CANCELLED_EVENT, 'jobId', 'after-ready');
    void reader!.run();
    await expect.poll(() => heard, { timeout: 5_000 }).toEqual(['after-ready']);
    await events.close();
  });

  it('starts an empty stream from its beginning', async () => {
    expect(await streamTail(redis, 'no-such-stream')).toBe('0-0');
  });
});

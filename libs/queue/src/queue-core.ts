import type { QueueConfig } from '@ultra/config';
import type { Clock } from '@ultra/core';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { createRedisConnection } from '@ultra/runtime/redis';
import type { JobData, JobResult } from './job-data.ts';
import { createJobEvents, streamTail, type JobEvents } from './job-events.ts';

/** The BullMQ queue's name under `queue.key_prefix`: keys are `<prefix>:chat-jobs:…`. */
export const QUEUE_NAME = 'chat-jobs';

/** What the queue's operations share: config, clock, the BullMQ queue and the connections. */
export interface QueueCore {
  readonly config: QueueConfig;
  readonly clock: Clock;
  readonly bull: Queue<JobData, JobResult>;
  /** Connection for the API side: commands fail after a few reconnect tries rather than hang. */
  readonly redis: Redis;
  readonly events: JobEvents;
  /** The connection workers and event readers start from (BullMQ copies it for blocking reads). */
  consumer(): Redis;
  /** The Redis key of a job's hash. */
  jobKey(id: string): string;
  /** Passes an error on to the `onError` given, each kind once until Redis is back. */
  reportError(err: Error): void;
  close(): Promise<void>;
}

export interface QueueCoreDeps {
  /** REDIS_URL: `redis://…` or `redis+sentinel://…` (docs/cache.md). */
  redisUrl: string;
  config: QueueConfig;
  clock: Clock;
  /** Told about connection errors, each kind once until Redis is back (BullMQ and ioredis retry by themselves). */
  onError?: (err: Error) => void;
}

export function createQueueCore(deps: QueueCoreDeps): QueueCore {
  // A Redis that is down fails every reconnect the same way: pass each kind of error on once
  // until a connection is ready again.
  let lastError = '';
  const onError = (err: Error) => {
    if (err.message === lastError) return;
    lastError = err.message;
    deps.onError?.(err);
  };
  const onReady = () => (lastError = '');
  const prefix = deps.config.keyPrefix;
  const redis = createRedisConnection(deps.redisUrl, { maxRetriesPerRequest: 2, connectTimeout: 2_000, connectionName: 'ultra-queue' });
  redis.on('error', onError).on('ready', onReady);
  let consumer: Redis | undefined;
  const consumerConnection = () => {
    if (!consumer) {
      consumer = createRedisConnection(deps.redisUrl, { maxRetriesPerRequest: null, connectionName: 'ultra-queue-worker' });
      consumer.on('error', onError).on('ready', onReady);
    }
    return consumer;
  };
  const bull = new Queue<JobData, JobResult>(QUEUE_NAME, { connection: redis, prefix });
  bull.on('error', onError);
  const events = createJobEvents(
    (lastEventId) => {
      const r = new QueueEvents(QUEUE_NAME, { connection: consumerConnection(), prefix, lastEventId });
      r.on('error', onError);
      return r;
    },
    () => streamTail(consumerConnection(), bull.keys.events!),
  );
  return {
    config: deps.config,
    clock: deps.clock,
    bull,
    redis,
    events,
    consumer: consumerConnection,
    jobKey: (id) => bull.toKey(id),
    reportError: onError,
    async close() {
      // A connection that is not up is dropped first: QUIT, and BullMQ's closes, would wait for it.
      for (const c of [redis, consumer]) if (c && c.status !== 'ready') c.disconnect();
      await events.close();
      await bull.close();
      await Promise.allSettled([redis, consumer].map((c) => (c?.status === 'ready' ? c.quit() : undefined)));
    },
  };
}

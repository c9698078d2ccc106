import { Queue } from 'bullmq';
import { createRedisConnection } from '@ultra/runtime/redis';
import { QUEUE_NAME } from './queue-core.ts';
import { DEPTH_STATES, depthOf } from './queue-stats.ts';

/** A reader of the queue's depth for a process that only watches it (the health service). */
export interface QueueDepth {
  /** Jobs not yet ended (see {@link depthOf}); undefined while Redis does not answer. */
  read(): Promise<number | undefined>;
  close(): Promise<void>;
}

/**
 * The depth of the queue under `keyPrefix` (`queue.key_prefix`) on the Redis at
 * `redisUrl`, read with one `getJobCounts` per call. Commands fail at once while Redis
 * is down (no offline queue), so a reader never waits on a dead Redis.
 */
export function createQueueDepth(redisUrl: string, keyPrefix: string): QueueDepth {
  const redis = createRedisConnection(redisUrl, { connectionName: 'ultra-queue-depth', maxRetriesPerRequest: null, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  const queue = new Queue(QUEUE_NAME, { connection: redis, prefix: keyPrefix });
  queue.on('error', () => undefined);
  return {
    read: () => queue.getJobCounts(...DEPTH_STATES).then(depthOf, () => undefined),
    // The connection is this reader's own (BullMQ leaves a connection it was given open).
    close: () => queue.close().catch(() => undefined).finally(() => redis.disconnect()),
  };
}

import { systemClock } from '@ultra/core';
import { startRedis } from '@ultra/testkit';
import { ask, queueConfig } from '@ultra/testkit/queue';
import { describe, expect, it } from 'vitest';
import { createJobQueue } from './job-queue.ts';
import { createQueueDepth } from './queue-depth.ts';

describe('the queue depth a watcher reads (the health service)', () => {
  it('counts the jobs not yet ended, as getStats does, and reads undefined once Redis is gone', async () => {
    const server = await startRedis();
    const config = queueConfig();
    const queue = createJobQueue({ redisUrl: server.url, config, clock: systemClock });
    const depth = createQueueDepth(server.url, config.keyPrefix);
    try {
      expect(await depth.read()).toBe(0);
      for (const key of ['a', 'b', 'c']) await queue.submit(ask(`job ${key}`, key));
      expect(await depth.read()).toBe(3);
      expect((await queue.getStats()).depth).toBe(3);
      // Another prefix is another queue.
      const other = createQueueDepth(server.url, `${config.keyPrefix}-other`);
      expect(await other.read()).toBe(0);
      await other.close();
      await server.stop();
      expect(await depth.read()).toBeUndefined();
    } finally {
      await depth.close();
      await queue.close();
      await server.stop();
    }
  });
});

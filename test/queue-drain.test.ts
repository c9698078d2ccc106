import { ServedFrom } from '@ultra/contracts/chat';
import { JobState } from '@ultra/contracts/router';
import { systemRandom } from '@ultra/core';
import { startRedis, type RedisServer } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobWorker } from '@ultra/queue';
import { answer, ask, jobUntil, pause, queueConfig, scriptedFlow, startQueue, type TestQueue } from '@ultra/testkit/queue';

const RATE = 20;
const JOBS = 60;

let redis: RedisServer;
let q: TestQueue;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await q?.stop();
  await redis?.stop();
});

describe('draining after an outage', () => {
  it(`queued work drains at queue.drain_rate (${RATE}/s) across every worker, not as fast as the workers could go`, async () => {
    let outage = true;
    const answered: number[] = [];
    const { flow, calls } = scriptedFlow(async () => {
      // In OUTAGE the router's mode defers the request again: the job waits, spending no attempt.
      if (outage) return answer('', { servedFrom: ServedFrom.QUEUE });
      answered.push(Date.now());
      await pause(5);
      return answer('served once the providers were back');
    });
    // Two workers of 10 each could start 4000 jobs/s with this flow; the limiter is shared in Redis.
    q = startQueue(redis.url, queueConfig(`{ concurrency: 10, drain_rate: ${RATE}, mode_wait: 500ms }`), flow);
    const second = createJobWorker({ queue: q.queue, flow, random: systemRandom });
    try {
      const ids = await Promise.all(Array.from({ length: JOBS }, (_, i) => q.queue.submit(ask(`deferred ${i}`)).then((r) => r.job.id)));
      await pause(1_200);
      expect(calls.length).toBeGreaterThan(0);
      expect(answered).toHaveLength(0);
      outage = false;
      for (const id of ids) expect((await jobUntil(q.queue, id, undefined, 20_000)).state).toBe(JobState.SUCCEEDED);

      const span = (answered.at(-1)! - answered[0]!) / 1000;
      const rate = (answered.length - 1) / span;
      let busiest = 0;
      for (const t of answered) busiest = Math.max(busiest, answered.filter((u) => u >= t && u < t + 1000).length);
      console.log(`drain test: ${answered.length} jobs drained in ${span.toFixed(2)} s = ${rate.toFixed(1)} jobs/s (drain_rate ${RATE}); busiest second ${busiest}`);
      expect(answered).toHaveLength(JOBS);
      expect(rate).toBeLessThanOrEqual(RATE * 1.15);
      expect(rate).toBeGreaterThanOrEqual(RATE * 0.7);
      // BullMQ's limiter allows 2 jobs per 100 ms window: any 1 s holds at most 11 windows' worth.
      expect(busiest).toBeLessThanOrEqual(Math.ceil(RATE * 1.2));
      const jobs = await Promise.all(ids.map((id) => q.queue.get(id)));
      expect(jobs.every((j) => j.attempts.length === 1)).toBe(true);
      expect((await q.queue.getStats()).totals.modeWaits).toBeGreaterThan(0);
    } finally {
      await second.close(1_000);
    }
  }, 40_000);
});

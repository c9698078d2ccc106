import { create } from '@bufbuild/protobuf';
import { ChatRequestSchema } from '@ultra/contracts/chat';
import { JobState } from '@ultra/contracts/router';
import { startRedis, type RedisServer } from '@ultra/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { answer, ask, jobUntil, queueConfig, scriptedFlow, startQueue, type TestQueue } from '@ultra/testkit/queue';
import { createJobQueue } from '@ultra/queue';
import { systemClock } from '@ultra/core';

let redis: RedisServer;
const running: TestQueue[] = [];
const start = (...args: Parameters<typeof startQueue>) => {
  const q = startQueue(...args);
  running.push(q);
  return q;
};

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((q) => q.stop()));
});
afterAll(async () => {
  await redis?.stop();
});

describe('submitting and cancelling', () => {
  it('50 concurrent submits with one key, over two connections, make one job and one run', async () => {
    const config = queueConfig();
    const { flow, calls } = scriptedFlow(async () => answer('once'));
    const one = start(redis.url, config, flow);
    const other = createJobQueue({ redisUrl: redis.url, config, clock: systemClock });
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? one.queue : other).submit(ask(`same request ${i}`, 'order-7731'))),
      );
      expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const id = results[0]!.job.id;
      const done = await jobUntil(one.queue, id);
      expect(done.state).toBe(JobState.SUCCEEDED);
      // the first request stored under the key is the one answered
      const winner = results.find((r) => r.created)!.job.request!.messages[0]!.content;
      expect(done.request!.messages[0]!.content).toBe(winner);
      expect(calls).toHaveLength(1);
      const again = await other.submit(ask('later, same key', 'order-7731'));
      expect(again).toMatchObject({ created: false, job: { id, state: JobState.SUCCEEDED } });
      expect((await one.queue.getStats()).ended).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('rejects a request no provider could answer before queueing it', async () => {
    const { queue } = start(redis.url, queueConfig());
    await expect(queue.submit(create(ChatRequestSchema, { model: 'chat' }))).rejects.toThrow(/messages: at least one message is required/);
    expect((await queue.getStats()).depth).toBe(0);
  });

  it('cancels a queued job; the key keeps naming it', async () => {
    const { queue } = start(redis.url, queueConfig());
    const { job } = await queue.submit(ask('not needed after all', 'cancel-me'));
    expect(job.state).toBe(JobState.QUEUED);
    const cancelled = await queue.cancel(job.id);
    expect(cancelled.state).toBe(JobState.CANCELLED);
    expect(cancelled.reason).toMatch(/cancelled by CancelJob/);
    expect((await queue.cancel(job.id)).state).toBe(JobState.CANCELLED);
    const again = await queue.submit(ask('not needed after all', 'cancel-me'));
    expect(again).toMatchObject({ created: false, job: { id: job.id, state: JobState.CANCELLED } });
    await expect(queue.cancel('j-nope')).rejects.toThrow(/no job/);
  });

  it('cancels a running job: the attempt is aborted and nothing is answered', async () => {
    const { flow, calls } = scriptedFlow(
      (_r, _call, { signal }) =>
        new Promise((_resolve, reject) => {
          const t = setTimeout(() => reject(new Error('should have been aborted')), 10_000);
          signal.addEventListener('abort', () => (clearTimeout(t), reject(new Error('aborted'))));
        }),
    );
    const { queue } = start(redis.url, queueConfig(), flow);
    const { job } = await queue.submit(ask('long one'));
    // RUNNING is BullMQ's "active", which a job is in before the worker reaches the flow;
    // wait for the call itself (a cancel before it would rightly mean no call at all).
    await jobUntil(queue, job.id, (j) => j.state === JobState.RUNNING && calls.length === 1);
    const started = Date.now();
    await queue.cancel(job.id);
    // the attempt has returned (its call ended) and the job has its final state
    const ended = await jobUntil(queue, job.id, (j) => calls.length > 0 && calls[0]!.end !== 0 && j.state === JobState.CANCELLED);
    expect(ended.state).toBe(JobState.CANCELLED);
    expect(calls[0]!.aborted).toBe(true);
    // aborted, not left to run into its own 10 s timer
    expect(calls[0]!.end - started).toBeLessThan(5_000);
    expect(ended.answer).toBeUndefined();
    expect(calls).toHaveLength(1);
    expect((await queue.getStats()).totals.cancelled).toBe(1);
  });

  it('refuses to cancel a job that has ended', async () => {
    const { flow } = scriptedFlow(async () => answer('done'));
    const { queue } = start(redis.url, queueConfig(), flow);
    const { job } = await queue.submit(ask('quick'));
    await jobUntil(queue, job.id);
    await expect(queue.cancel(job.id)).rejects.toThrow(/already answered/);
  });

  it('getStats shows depth and the age of the oldest waiting job', async () => {
    const { queue } = start(redis.url, queueConfig());
    for (const i of [1, 2, 3]) await queue.submit(ask(`waiting ${i}`));
    await new Promise((r) => setTimeout(r, 60));
    const stats = await queue.getStats();
    expect(stats).toMatchObject({ depth: 3, waiting: 3, running: 0, retrying: 0, deadLetters: 0, workers: 0 });
    expect(stats.oldestWaitingAgeMs).toBeGreaterThanOrEqual(60);
  });

  it('keeps results for result_ttl, then lets them go (with their key)', async () => {
    const { flow, calls } = scriptedFlow(async (r) => answer(r.messages[0]!.content));
    const { queue } = start(redis.url, queueConfig('{ result_ttl: 1s }'), flow);
    const first = (await queue.submit(ask('kept a while', 'ttl-1'))).job.id;
    await jobUntil(queue, first);
    expect((await queue.get(first)).answer?.text).toBe('kept a while');
    await new Promise((r) => setTimeout(r, 1_100));
    // BullMQ drops finished jobs older than the TTL when another job finishes
    await jobUntil(queue, (await queue.submit(ask('a later job'))).job.id);
    await expect(queue.get(first)).rejects.toThrow(/no job/);
    const again = await queue.submit(ask('kept a while', 'ttl-1'));
    expect(again.created).toBe(true);
    await jobUntil(queue, again.job.id);
    expect(calls.map((c) => c.key).filter((k) => k === 'ttl-1')).toHaveLength(2);
  });
});

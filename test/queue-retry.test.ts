import { Code, ConnectError } from '@connectrpc/connect';
import { Outcome, ServedFrom } from '@ultra/contracts/chat';
import { JobState } from '@ultra/contracts/router';
import { createSeededRandom } from '@ultra/core';
import { attemptsError } from '@ultra/runtime';
import { startRedis, type RedisServer } from '@ultra/testkit';
import { create } from '@bufbuild/protobuf';
import { AttemptSchema } from '@ultra/contracts/chat';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attemptRecord, createRetryPolicy, type JobData } from '@ultra/queue';
import { answer, ask, jobUntil, queueConfig, scriptedFlow, startQueue, type TestQueue } from '@ultra/testkit/queue';

let redis: RedisServer;
const running: TestQueue[] = [];
const start = (...args: Parameters<typeof startQueue>) => {
  const q = startQueue(...args);
  running.push(q);
  return q;
};
const fail = (outcome: Outcome, detail = Outcome[outcome]!.toLowerCase()) =>
  attemptsError(`no provider could answer after 1 attempt(s): stub: ${detail}`, outcome, [create(AttemptSchema, { provider: 'stub', outcome, detail })]);

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((q) => q.stop()));
});
afterAll(async () => {
  await redis?.stop();
});

describe('the retry queue on a real redis-server', () => {
  it('answers a job, keeps the answer readable, and WatchJob streams each state', async () => {
    const { flow } = scriptedFlow(async (r) => {
      await new Promise((res) => setTimeout(res, 150));
      return answer(`answer to ${r.messages[0]!.content}`);
    });
    const { queue } = start(redis.url, queueConfig(), flow);
    const { job, created } = await queue.submit(ask('hello'));
    expect(created).toBe(true);
    expect(job.id).toMatch(/^j[0-9a-f]{32}$/);
    expect(job.idempotencyKey).toMatch(/^auto:/);
    const states: JobState[] = [];
    for await (const seen of queue.watch(job.id, new AbortController().signal)) states.push(seen.state);
    expect(states.at(-1)).toBe(JobState.SUCCEEDED);
    expect(states).toContain(JobState.RUNNING);
    expect(states).toEqual([...states].sort((a, b) => a - b));
    const done = await queue.get(job.id);
    expect(done.answer?.text).toBe('answer to hello');
    expect(done.attempts.map((a) => a.outcome)).toEqual([Outcome.OK]);
  });

  it('spaces attempts by the backoff it computes with the injected random, and records each delay', async () => {
    const config = queueConfig('{ max_attempts: 4, backoff: { base: 100ms, cap: 400ms, jitter: equal } }');
    const expected = createRetryPolicy(config, createSeededRandom(11));
    const delays = [1, 2, 3].map((n) => expected.delayFor(n, 0));
    const { flow, calls } = scriptedFlow(async (_r, call) => {
      if (call <= 3) throw fail(Outcome.SERVER_ERROR);
      return answer('at last');
    });
    const { queue } = start(redis.url, config, flow, createSeededRandom(11));
    const { job } = await queue.submit(ask('flaky'));
    const done = await jobUntil(queue, job.id);
    expect(done.state).toBe(JobState.SUCCEEDED);
    const failed = done.attempts.slice(0, 3);
    expect(failed.map((a) => a.outcome)).toEqual([Outcome.SERVER_ERROR, Outcome.SERVER_ERROR, Outcome.SERVER_ERROR]);
    expect(failed.map((a) => a.retryDelayMs)).toEqual(delays);
    for (let i = 0; i < 3; i++) {
      expect(delays[i]).toBeGreaterThanOrEqual(100 * 2 ** i / 2);
      expect(calls[i + 1]!.start - calls[i]!.end).toBeGreaterThanOrEqual(delays[i]! - 2);
      expect(timestampMs(done.attempts[i + 1]!.startedAt!) - timestampMs(failed[i]!.finishedAt!)).toBeGreaterThanOrEqual(delays[i]!);
    }
  });

  it('dead-letters after max attempts with every attempt and its error, and lists it', async () => {
    const { flow, calls } = scriptedFlow(async () => {
      throw fail(Outcome.SERVER_ERROR, 'HTTP 500');
    });
    const { queue } = start(redis.url, queueConfig('{ max_attempts: 3, backoff: { base: 20ms, cap: 50ms } }'), flow);
    const { job } = await queue.submit(ask('doomed', 'doomed-1'));
    const dead = await jobUntil(queue, job.id);
    expect(dead.state).toBe(JobState.DEAD_LETTERED);
    expect(calls).toHaveLength(3);
    expect(dead.reason).toBe('used all 3 attempts; the last ended in server_error');
    expect(dead.attempts.map((a) => [a.number, a.outcome])).toEqual([[1, Outcome.SERVER_ERROR], [2, Outcome.SERVER_ERROR], [3, Outcome.SERVER_ERROR]]);
    for (const a of dead.attempts) {
      expect(a.detail).toMatch(/HTTP 500/);
      expect(a.providerAttempts[0]).toMatchObject({ provider: 'stub', outcome: Outcome.SERVER_ERROR });
      expect(timestampMs(a.finishedAt!)).toBeGreaterThanOrEqual(timestampMs(a.startedAt!));
    }
    const page = await queue.listDeadLetters(10, '', {});
    expect(page.total).toBe(1);
    expect(page.jobs.map((j) => j.id)).toEqual([job.id]);
    expect((await queue.getStats()).deadLetters).toBe(1);
  });

  it('dead-letters an error class not retried at once', async () => {
    const { flow, calls } = scriptedFlow(async () => {
      throw fail(Outcome.BAD_REQUEST);
    });
    const { queue } = start(redis.url, queueConfig('{ max_attempts: 5 }'), flow);
    const { job } = await queue.submit(ask('malformed'));
    const dead = await jobUntil(queue, job.id);
    expect(dead.state).toBe(JobState.DEAD_LETTERED);
    expect(calls).toHaveLength(1);
    expect(dead.reason).toMatch(/bad_request is not retried/);
  });

  it("waits out a provider's Retry-After rather than the shorter backoff", async () => {
    const { flow, calls } = scriptedFlow(async (_r, call) => {
      if (call === 1) {
        const limited = create(AttemptSchema, { provider: 'openai', outcome: Outcome.RATE_LIMITED, retryAfterMs: 400 });
        const err = attemptsError('no provider could answer after 1 attempt(s): openai: rate_limited', Outcome.RATE_LIMITED, [limited]);
        err.metadata.set('retry-after-ms', '400');
        throw err;
      }
      return answer('after the wait');
    });
    const { queue } = start(redis.url, queueConfig('{ backoff: { base: 10ms, cap: 20ms } }'), flow);
    const { job } = await queue.submit(ask('limited'));
    const done = await jobUntil(queue, job.id);
    expect(done.state).toBe(JobState.SUCCEEDED);
    expect(done.attempts[0]).toMatchObject({ outcome: Outcome.RATE_LIMITED, retryAfterMs: 400, retryDelayMs: 400 });
    expect(calls[1]!.start - calls[0]!.end).toBeGreaterThanOrEqual(398);
  });

  it("ends a job at its own deadline", async () => {
    const { flow, calls } = scriptedFlow(async () => {
      throw fail(Outcome.OVERLOADED);
    });
    const { queue } = start(redis.url, queueConfig('{ max_attempts: 10, backoff: { base: 1s, cap: 2s } }'), flow);
    const { job } = await queue.submit(ask('in a hurry'), { deadline: Date.now() + 300 });
    const dead = await jobUntil(queue, job.id);
    expect(dead.state).toBe(JobState.DEAD_LETTERED);
    expect(calls).toHaveLength(1);
    expect(dead.reason).toMatch(/after the job's deadline/);
    await expect(queue.submit(ask('too late'), { deadline: Date.now() - 1 })).rejects.toThrow(/has already passed/);
  });

  it('a degraded mode that defers or refuses the request holds the job back without spending attempts', async () => {
    const { flow, calls } = scriptedFlow(async (_r, call) => {
      if (call === 1) return answer('', { servedFrom: ServedFrom.QUEUE });
      if (call === 2) {
        // the refusal of a mode that serves from the cache only: no provider tried, a long Retry-After for callers
        const err = new ConnectError('Ultra is in outage mode and answers from the cache only; this request is not in the cache', Code.Unavailable);
        err.metadata.set('retry-after-ms', '120000');
        throw err;
      }
      return answer('served after the outage');
    });
    const { queue } = start(redis.url, queueConfig('{ max_attempts: 1, mode_wait: 100ms }'), flow);
    const { job } = await queue.submit(ask('batch work'));
    const held = await jobUntil(queue, job.id, (j) => j.nextAttemptAt !== undefined || j.state === JobState.SUCCEEDED);
    if (held.state !== JobState.SUCCEEDED) expect(held.state).toBe(JobState.QUEUED);
    const done = await jobUntil(queue, job.id);
    expect(done.state).toBe(JobState.SUCCEEDED);
    expect(calls).toHaveLength(3);
    expect(done.attempts.map((a) => a.outcome)).toEqual([Outcome.OK]);
    expect((await queue.getStats()).totals.modeWaits).toBe(2);
    expect(calls[2]!.start - calls[0]!.start).toBeLessThan(5_000);
  });
  describe('a run whose worker died after it recorded its attempt, before BullMQ filed it', () => {
    /** Submits `text` with no worker running and writes into it what a run that died would have left. */
    async function diedAfterRecording(config: ReturnType<typeof queueConfig>, text: string, left: (now: number) => Partial<JobData>) {
      const idle = start(redis.url, config);
      const { job } = await idle.queue.submit(ask(text));
      const bull = (await idle.queue.core.bull.getJob(job.id))!;
      const now = Date.now();
      const record = attemptRecord(1, { outcome: Outcome.SERVER_ERROR, detail: 'server_error', retryAfterMs: 0, providerAttempts: [], heldBack: false }, now - 50, now - 10);
      await bull.updateData({ ...bull.data, attempts: [record], ...left(now) });
      return job.id;
    }

    it('keeps a dead-letter decision it made and calls no provider again', async () => {
      const config = queueConfig('{ max_attempts: 1 }');
      const id = await diedAfterRecording(config, 'decided', () => ({ reason: 'used all 1 attempts; the last ended in server_error' }));
      const { flow, calls } = scriptedFlow(async () => answer('should not be asked'));
      const { queue } = start(redis.url, config, flow);
      const done = await jobUntil(queue, id);
      expect(done.state).toBe(JobState.DEAD_LETTERED);
      expect(done.attempts.map((a) => a.outcome)).toEqual([Outcome.SERVER_ERROR]);
      expect(calls).toHaveLength(0);
    });

    it('waits out the retry delay it chose, and counts its attempt against max_attempts', async () => {
      const config = queueConfig('{ max_attempts: 2 }');
      let due = 0;
      const id = await diedAfterRecording(config, 'retrying', (now) => {
        due = now + 400;
        return { nextAttemptAt: due, attempts: [] };
      });
      // the record with the delay it chose (set after, as failed() does)
      const bull = (await running.at(-1)!.queue.core.bull.getJob(id))!;
      const record = attemptRecord(1, { outcome: Outcome.SERVER_ERROR, detail: 'server_error', retryAfterMs: 0, providerAttempts: [], heldBack: false }, due - 450, due - 400);
      await bull.updateData({ ...bull.data, attempts: [{ ...record, retryDelayMs: 400 }] });
      const { flow, calls } = scriptedFlow(async () => {
        throw fail(Outcome.SERVER_ERROR);
      });
      const { queue } = start(redis.url, config, flow);
      const done = await jobUntil(queue, id);
      expect(done.state).toBe(JobState.DEAD_LETTERED);
      // one call made here: with the dead run's, two attempts, as max_attempts allows
      expect(done.attempts.map((a) => a.outcome)).toEqual([Outcome.SERVER_ERROR, Outcome.SERVER_ERROR]);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.start).toBeGreaterThanOrEqual(due);
    });
  });
});

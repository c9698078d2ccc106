import { create } from '@bufbuild/protobuf';
import { AttemptSchema, Outcome } from '@ultra/contracts/chat';
import { JobState } from '@ultra/contracts/router';
import { attemptsError } from '@ultra/runtime';
import { startRedis, type RedisServer } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, ask, jobUntil, queueConfig, scriptedFlow, startQueue, type TestQueue } from '@ultra/testkit/queue';

let redis: RedisServer;
let q: TestQueue;
/** While true, a request `fail:<outcome>` fails with that outcome; after, every request is answered. */
let broken = true;

beforeAll(async () => {
  redis = await startRedis();
  const { flow } = scriptedFlow(async (r) => {
    const text = r.messages[0]!.content;
    const outcome = /^fail:(\w+)/.exec(text)?.[1];
    if (broken && outcome) {
      const o = Outcome[outcome.toUpperCase() as keyof typeof Outcome];
      throw attemptsError(`stub: ${outcome}`, o, [create(AttemptSchema, { provider: 'stub', outcome: o })]);
    }
    return answer(`answer to ${text}`);
  });
  q = startQueue(redis.url, queueConfig('{ max_attempts: 2, backoff: { base: 10ms, cap: 20ms } }'), flow);
});
afterAll(async () => {
  await q?.stop();
  await redis?.stop();
});

describe('dead letters', () => {
  it('are listed newest first with filters and pages, redriven alone or by filter, and purged', async () => {
    const { queue } = q;
    const submit = async (text: string, model = 'chat') => (await queue.submit(ask(text, `${text}/${model}`, model))).job.id;
    const a = await submit('fail:server_error');
    const b = await submit('fail:bad_request');
    const c = await submit('fail:bad_request', 'gpt-4o-mini');
    const d = await submit('fail:context_too_long');
    for (const id of [a, b, c, d]) expect((await jobUntil(queue, id)).state).toBe(JobState.DEAD_LETTERED);

    const all = await queue.listDeadLetters(0, '', {});
    expect(all.total).toBe(4);
    expect(new Set(all.jobs.map((j) => j.id))).toEqual(new Set([a, b, c, d]));
    const first = await queue.listDeadLetters(3, '', {});
    expect(first.jobs).toHaveLength(3);
    const second = await queue.listDeadLetters(3, first.nextPageToken, {});
    expect(second.jobs).toHaveLength(1);
    expect(second.nextPageToken).toBe('');
    expect([...first.jobs, ...second.jobs].map((j) => j.id)).toEqual(all.jobs.map((j) => j.id));
    expect((await queue.listDeadLetters(10, '', { outcome: Outcome.BAD_REQUEST })).jobs.map((j) => j.id).sort()).toEqual([b, c].sort());
    expect((await queue.listDeadLetters(10, '', { outcome: Outcome.BAD_REQUEST, model: 'gpt-4o-mini' })).jobs.map((j) => j.id)).toEqual([c]);
    expect((await queue.listDeadLetters(10, '', { after: Date.now() + 60_000 })).jobs).toEqual([]);
    const sa = await queue.get(a);
    expect(sa.attempts).toHaveLength(2);

    broken = false;
    expect(await queue.redrive({ id: a })).toEqual([a]);
    const redriven = await jobUntil(queue, a);
    expect(redriven.state).toBe(JobState.SUCCEEDED);
    expect(redriven.redrives).toBe(1);
    // the history stays: two failed attempts before the redrive, then the answer
    expect(redriven.attempts.map((x) => [x.number, x.outcome])).toEqual([[1, Outcome.SERVER_ERROR], [2, Outcome.SERVER_ERROR], [3, Outcome.OK]]);
    await expect(queue.redrive({ id: a })).rejects.toThrow(/is not a dead letter/);

    expect((await queue.redrive({ filter: { outcome: Outcome.BAD_REQUEST } })).sort()).toEqual([b, c].sort());
    for (const id of [b, c]) expect((await jobUntil(queue, id)).state).toBe(JobState.SUCCEEDED);

    broken = true;
    const e = await submit('fail:auth_failed');
    expect((await jobUntil(queue, e)).state).toBe(JobState.DEAD_LETTERED);
    expect(await queue.purge({ id: e })).toEqual([e]);
    await expect(queue.get(e)).rejects.toThrow(/no job/);
    expect(await queue.purge({ filter: {} })).toEqual([d]);
    expect((await queue.listDeadLetters(10, '', {})).total).toBe(0);
    const stats = await queue.getStats();
    expect(stats).toMatchObject({ deadLetters: 0, depth: 0 });
    expect(stats.totals.deadLettered).toBe(5);
    expect(stats.totals.retries).toBe(1);
  });
});

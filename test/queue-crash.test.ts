import { JobState } from '@ultra/contracts/router';
import { Outcome } from '@ultra/contracts/chat';
import { systemClock } from '@ultra/core';
import { startProcess, startRedis, type RedisServer, type ServiceProcess } from '@ultra/testkit';
import { Redis } from 'ioredis';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobQueue, FIELD, type JobQueue } from '@ultra/queue';
import { ask, pause, queueConfig } from '@ultra/testkit/queue';

const N = 500;
const KILLS = 5;
const PREFIX = `crash${process.pid}`;
const QUEUE_YAML = `{ concurrency: 6, max_attempts: 2, backoff: { base: 20ms, cap: 50ms }, lock_duration: 1s, stalled_interval: 500ms, max_stalled: 50, drain_rate: 0, result_ttl: 10m, key_prefix: ${PREFIX} }`;

let redis: RedisServer;
let client: Redis;
let queue: JobQueue;
let configFile: string;
const workers: ({ proc: ServiceProcess; readyAt: number } | undefined)[] = [undefined, undefined];
let spawned = 0;

/** What job i is: most are answered; every 10th is a caller's mistake, a few fail on every try. */
const textOf = (i: number) => (i % 10 === 0 ? `fail:bad_request ${i}` : i % 25 === 1 ? `fail:server_error ${i}` : `job ${i}`);

/** Starts a worker process in `slot`; `readyAt` is set once it reports ready. */
function startWorker(slot: number): Promise<void> {
  const w = startProcess(`queue-worker-${++spawned}`, 'libs/queue/src/worker-main.ts', ['--config', configFile, '--stub-delay', '150ms'], {
    env: { REDIS_URL: redis.url, ULTRA_LOG_LEVEL: 'warn' },
    readyLine: /queue worker ready/,
  });
  const entry = { proc: w, readyAt: 0 };
  workers[slot] = entry;
  return w.ready.then(() => {
    entry.readyAt = Date.now();
  });
}

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  const dir = mkdtempSync(join(tmpdir(), 'ultra-queue-crash-'));
  configFile = join(dir, 'ultra.yaml');
  writeFileSync(configFile, `providers:\n  primary: [openai]\nqueue: ${QUEUE_YAML}\nshutdown: { grace: 1s }\n`);
  queue = createJobQueue({ redisUrl: redis.url, config: { ...queueConfig(QUEUE_YAML), keyPrefix: PREFIX }, clock: systemClock });
}, 30_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w?.proc.stop('SIGKILL')));
  await queue?.close();
  client?.disconnect();
  await redis?.stop();
});

describe('crash safety', () => {
  it(`${N} jobs, worker processes SIGKILLed ${KILLS} times mid-run: every job ends exactly once, none lost`, async () => {
    const T0 = Date.now();
    await Promise.all([startWorker(0), startWorker(1)]);
    const ids: string[] = [];
    for (let i = 0; i < N; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, (_, k) => queue.submit(ask(textOf(i + k), `crash-${i + k}`))));
      ids.push(...batch.map((r) => r.job.id));
    }
    const ended = async () => {
      const c = await queue.core.bull.getJobCounts('completed', 'failed');
      return (c['completed'] ?? 0) + (c['failed'] ?? 0);
    };
    // Kill at 10 %, 24 %, 38 %, ... of the run, the two workers in turn, each once it has
    // worked for a while (a ready worker always holds `concurrency` jobs: 500 are queued);
    // the replacement starts at once and joins when it is ready.
    let kills = 0;
    for (let k = 0; k < KILLS; k++) {
      const slot = k % 2;
      const target = () => workers[slot]!;
      while ((await ended()) < (0.1 + 0.14 * k) * N || target().readyAt === 0 || Date.now() - target().readyAt < 300) {
        if (Date.now() - T0 > 60_000) throw new Error(`kill ${k} never came: ${await ended()} jobs ended; worker output:\n${target().proc.output.join('\n')}`);
        await pause(20);
      }
      await target().proc.stop('SIGKILL');
      kills++;
      startWorker(slot).catch(() => undefined);
    }
    const t0 = Date.now();
    while ((await ended()) < N) {
      if (Date.now() - t0 > 60_000) throw new Error(`only ${await ended()} of ${N} jobs ended within 60 s`);
      await pause(50);
    }
    const counts = await queue.core.bull.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'completed', 'failed');
    expect(counts).toMatchObject({ wait: 0, active: 0, delayed: 0, prioritized: 0 });

    // Every job: in the state its request calls for, answered by exactly one committed run.
    const answers = await client.hgetall(`${PREFIX}:stub-answers`);
    let lost = 0;
    let duplicates = 0;
    let reruns = 0;
    for (let i = 0; i < N; i++) {
      const job = await queue.get(ids[i]!).catch(() => undefined);
      if (!job) {
        lost++;
        continue;
      }
      const completions = Number((await client.hget(queue.core.jobKey(job.id), FIELD.completions)) ?? 0);
      const text = textOf(i);
      if (text.startsWith('fail:bad_request')) {
        expect(job.state, text).toBe(JobState.DEAD_LETTERED);
        expect(job.attempts.map((a) => a.outcome)).toEqual([Outcome.BAD_REQUEST]);
      } else if (text.startsWith('fail:server_error')) {
        expect(job.state, text).toBe(JobState.DEAD_LETTERED);
        expect(job.attempts.map((a) => a.outcome)).toEqual([Outcome.SERVER_ERROR, Outcome.SERVER_ERROR]);
      } else {
        expect(job.state, text).toBe(JobState.SUCCEEDED);
        expect(job.answer?.text).toBe(`answer to ${text}`);
        expect(completions, `runs that completed job ${i}`).toBe(1);
        if (completions > 1) duplicates++;
        if (Number(answers[`crash-${i}`] ?? 0) > 1) reruns++;
      }
      if (job.state === JobState.DEAD_LETTERED) expect(completions).toBe(0);
    }
    expect(lost).toBe(0);
    expect(duplicates).toBe(0);

    // BullMQ's event stream, written in the same Lua call as each state change: one final event per job.
    const events = await client.xrange(queue.core.bull.keys.events!, '-', '+');
    const final = new Map<string, number>();
    let added = 0;
    let stalled = 0;
    for (const [, fields] of events) {
      const f = Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, j) => [fields[2 * j], fields[2 * j + 1]]));
      if (f['event'] === 'added') added++;
      if (f['event'] === 'stalled') stalled++;
      if (f['event'] === 'completed' || f['event'] === 'failed') final.set(f['jobId']!, (final.get(f['jobId']!) ?? 0) + 1);
    }
    expect(added).toBe(N);
    expect(final.size).toBe(N);
    expect([...final.values()].every((n) => n === 1)).toBe(true);
    // the kills did cut jobs short, and those jobs ran again on a live worker
    expect(stalled).toBeGreaterThanOrEqual(KILLS);
    console.log(
      `crash test: ${N} jobs in ${((Date.now() - T0) / 1000).toFixed(1)} s, ${kills} SIGKILLs, ${counts['completed']} answered, ${counts['failed']} dead-lettered, ` +
        `lost ${lost}, completed twice ${duplicates}; ${stalled} jobs taken over after a kill, ${reruns} of them had already been answered by the flow once (at-least-once work, exactly-once completion)`,
    );
  }, 90_000);
});

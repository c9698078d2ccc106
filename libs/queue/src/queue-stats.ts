import type { Redis } from 'ioredis';
import type { QueueCore } from './queue-core.ts';

/** Counters the workers keep, in one Redis hash per queue. */
export const COUNTERS = ['attempts', 'retries', 'deadLettered', 'answered', 'cancelled', 'modeWaits'] as const;
export type Counter = (typeof COUNTERS)[number];

export const countersKey = (core: Pick<QueueCore, 'bull'>) => core.bull.toKey('ultra-counters');

export async function count(redis: Redis, key: string, counter: Counter): Promise<void> {
  await redis.hincrby(key, counter, 1);
}

/** What metrics and health rules see of the queue. Counts are across every replica. */
export interface QueueStats {
  /** Jobs not yet ended: waiting + running + retrying. */
  depth: number;
  /** Waiting for a worker (or for the drain rate), held back by the degraded mode included. */
  waiting: number;
  running: number;
  /** Waiting out a backoff (or the degraded mode's wait) before their next attempt. */
  retrying: number;
  /** In the dead-letter set now. */
  deadLetters: number;
  /** Ended and still kept (answered or cancelled, within result_ttl). */
  ended: number;
  /** Age of the oldest job waiting for a worker, ms (0: none waiting). */
  oldestWaitingAgeMs: number;
  /** Age of the newest dead letter, ms (-1: none). */
  newestDeadLetterAgeMs: number;
  /** Since the queue's keys were made: attempts run, retries scheduled, jobs dead-lettered, answered, cancelled. */
  totals: Record<Counter, number>;
  /** Workers connected to the queue, every replica. */
  workers: number;
}

/** BullMQ's job states that count towards the depth: not yet ended. */
export const DEPTH_STATES = ['wait', 'paused', 'prioritized', 'active', 'delayed'] as const;

/** The depth from BullMQ's counts: jobs waiting (paused and prioritized included), running and retrying. */
export const depthOf = (counts: Readonly<Record<string, number>>): number => DEPTH_STATES.reduce((n, s) => n + (counts[s] ?? 0), 0);

/** Reads the queue's figures: a handful of Redis calls, cheap enough for a scrape every few seconds. */
export async function getStats(core: QueueCore): Promise<QueueStats> {
  const { bull, clock } = core;
  const [counts, oldest, newestDead, raw, workers] = await Promise.all([
    bull.getJobCounts(...DEPTH_STATES, 'failed', 'completed'),
    bull.getJobs(['wait'], 0, 0, true),
    bull.getJobs(['failed'], 0, 0, false),
    core.redis.hgetall(countersKey(core)),
    bull.getWorkersCount(),
  ]);
  const n = (k: string) => counts[k] ?? 0;
  const now = clock.now();
  const waiting = n('wait') + n('paused') + n('prioritized');
  const totals: Record<Counter, number> = { attempts: 0, retries: 0, deadLettered: 0, answered: 0, cancelled: 0, modeWaits: 0 };
  for (const k of COUNTERS) totals[k] = Number(raw[k] ?? 0);
  return {
    depth: depthOf(counts),
    waiting,
    running: n('active'),
    retrying: n('delayed'),
    deadLetters: n('failed'),
    ended: n('completed'),
    oldestWaitingAgeMs: oldest[0] ? Math.max(0, now - oldest[0].timestamp) : 0,
    newestDeadLetterAgeMs: newestDead[0] ? Math.max(0, now - (newestDead[0].finishedOn ?? now)) : -1,
    totals,
    workers,
  };
}

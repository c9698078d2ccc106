import type { Redis } from 'ioredis';
import { FIELD } from './job-data.ts';

/** The event the cancel script adds to BullMQ's event stream. */
export const CANCELLED_EVENT = 'ultra-cancelled';

/**
 * Commits a job's answer, once: the first run to get here stores it; a later run (one
 * that lost its worker's lock and ran again) gets the stored one back. Refused for a
 * cancelled job. Every run that gets here is counted in the completions field.
 * KEYS[1] the job's hash; ARGV[1] the answer. Returns {status, answer}.
 */
const COMMIT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', ''} end
if redis.call('HEXISTS', KEYS[1], '${FIELD.cancelledAt}') == 1 then return {'cancelled', ''} end
redis.call('HINCRBY', KEYS[1], '${FIELD.completions}', 1)
local prev = redis.call('HGET', KEYS[1], '${FIELD.answer}')
if prev then return {'answered', prev} end
redis.call('HSET', KEYS[1], '${FIELD.answer}', ARGV[1])
return {'committed', ARGV[1]}
`;

/**
 * Marks a job cancelled unless it has ended or has an answer, and tells every process
 * through the queue's event stream (event `ultra-cancelled`), so a worker running it can
 * abort. KEYS[1] the job's hash, KEYS[2] the events stream; ARGV[1] now (ms), ARGV[2] the id.
 */
const CANCEL = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HEXISTS', KEYS[1], 'finishedOn') == 1 then return 'finished' end
if redis.call('HEXISTS', KEYS[1], '${FIELD.answer}') == 1 then return 'answered' end
if redis.call('HSETNX', KEYS[1], '${FIELD.cancelledAt}', ARGV[1]) == 1 then
  redis.call('XADD', KEYS[2], '*', 'event', '${CANCELLED_EVENT}', 'jobId', ARGV[2])
end
return 'ok'
`;

export type CommitStatus = 'committed' | 'answered' | 'cancelled' | 'missing';
export type CancelStatus = 'ok' | 'missing' | 'finished' | 'answered';

export async function commitAnswer(redis: Redis, jobKey: string, answer: string): Promise<{ status: CommitStatus; answer: string }> {
  const [status, stored] = (await redis.eval(COMMIT, 1, jobKey, answer)) as [CommitStatus, string];
  return { status, answer: stored };
}

export async function markCancelled(redis: Redis, jobKey: string, eventsKey: string, id: string, now: number): Promise<CancelStatus> {
  return (await redis.eval(CANCEL, 2, jobKey, eventsKey, String(now), id)) as CancelStatus;
}

/** Ultra's own fields of a job's hash. */
export async function readMarks(redis: Redis, jobKey: string): Promise<{ cancelledAt?: number; answer?: string; completions: number }> {
  const [cancelledAt, answer, completions] = await redis.hmget(jobKey, FIELD.cancelledAt, FIELD.answer, FIELD.completions);
  return {
    ...(cancelledAt ? { cancelledAt: Number(cancelledAt) } : {}),
    ...(answer ? { answer } : {}),
    completions: Number(completions ?? 0),
  };
}

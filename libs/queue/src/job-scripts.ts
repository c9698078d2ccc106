import type { Redis } from 'ioredis';
import { isOneOf } from '@ultra/core';
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

const COMMIT_STATUSES = ['committed', 'answered', 'cancelled', 'missing'] as const;
const CANCEL_STATUSES = ['ok', 'missing', 'finished', 'answered'] as const;
export type CommitStatus = (typeof COMMIT_STATUSES)[number];
export type CancelStatus = (typeof CANCEL_STATUSES)[number];

const unexpected = (script: string, jobKey: string, reply: unknown) => new Error(`the ${script} script on ${jobKey} gave an unexpected reply: ${JSON.stringify(reply)}`);

export async function commitAnswer(redis: Redis, jobKey: string, answer: string): Promise<{ status: CommitStatus; answer: string }> {
  const reply: unknown = await redis.eval(COMMIT, 1, jobKey, answer);
  const [status, stored]: unknown[] = Array.isArray(reply) ? reply : [];
  if (!isOneOf(COMMIT_STATUSES, status) || typeof stored !== 'string') throw unexpected('commit', jobKey, reply);
  return { status, answer: stored };
}

export async function markCancelled(redis: Redis, jobKey: string, eventsKey: string, id: string, now: number): Promise<CancelStatus> {
  const status: unknown = await redis.eval(CANCEL, 2, jobKey, eventsKey, String(now), id);
  if (!isOneOf(CANCEL_STATUSES, status)) throw unexpected('cancel', jobKey, status);
  return status;
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

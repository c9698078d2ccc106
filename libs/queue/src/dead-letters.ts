import type { Outcome } from '@ultra/contracts/chat';
import type { Job } from '@ultra/contracts/router';
import type { Job as BullJob } from 'bullmq';
import { decodeRequest, type JobData } from './job-data.ts';
import { JobError } from './job-error.ts';
import { jobMessage } from './job-view.ts';
import type { QueueCore } from './queue-core.ts';

/** Which dead letters an operation applies to; unset fields match every job. */
export interface DeadLetterFilter {
  /** The outcome of the job's last attempt (UNSPECIFIED: any). */
  outcome?: Outcome | undefined;
  /** The model the request asked for, in the request's own words. */
  model?: string | undefined;
  /** Dead-lettered at or after / before these times, epoch ms. */
  after?: number | undefined;
  before?: number | undefined;
}

function matches(job: BullJob<JobData>, f: DeadLetterFilter): boolean {
  if (f.outcome !== undefined && job.data.attempts.at(-1)?.outcome !== f.outcome) return false;
  const at = job.finishedOn ?? 0;
  if (f.after !== undefined && at < f.after) return false;
  if (f.before !== undefined && at >= f.before) return false;
  return f.model === undefined || decodeRequest(job.data.request).model === f.model;
}

const BATCH = 200;

/** Dead letters from `offset` on, newest first, in batches; stops when `take` says so. */
async function scan(core: QueueCore, offset: number, f: DeadLetterFilter, take: (job: BullJob<JobData>) => boolean): Promise<number> {
  for (;;) {
    const batch = await core.bull.getJobs(['failed'], offset, offset + BATCH - 1, false);
    if (batch.length === 0) return -1;
    for (const job of batch) {
      offset++;
      if (job && matches(job, f) && !take(job)) return offset;
    }
  }
}

/**
 * One page of dead letters, newest first. The page token is an offset into the
 * dead-letter set: jobs dead-lettered meanwhile shift later pages by as many.
 */
export async function listDeadLetters(core: QueueCore, pageSize: number, pageToken: string, f: DeadLetterFilter): Promise<{ jobs: Job[]; nextPageToken: string; total: number }> {
  const offset = pageToken === '' ? 0 : Number(pageToken);
  if (!Number.isInteger(offset) || offset < 0) throw new JobError('invalid', `page_token: ${JSON.stringify(pageToken)} is not a token this API gave`);
  const size = Math.min(500, pageSize > 0 ? pageSize : 50);
  const jobs: Job[] = [];
  const next = await scan(core, offset, f, (job) => {
    jobs.push(jobMessage(job, 'failed', { completions: 0 }));
    return jobs.length < size;
  });
  const total = await core.bull.getFailedCount();
  return { jobs, nextPageToken: next >= 0 && next < total ? String(next) : '', total };
}

/** The dead letters an operation targets: one by id (it must be a dead letter), or all a filter matches. */
export async function targets(core: QueueCore, target: { id: string } | { filter: DeadLetterFilter }): Promise<BullJob<JobData>[]> {
  if ('id' in target) {
    const job = await core.bull.getJob(target.id);
    if (!job) throw new JobError('not-found', `no job ${JSON.stringify(target.id)}`);
    const state = await job.getState();
    if (state !== 'failed') throw new JobError('conflict', `job ${target.id} is not a dead letter (it is ${state})`);
    return [job];
  }
  const found: BullJob<JobData>[] = [];
  await scan(core, 0, target.filter, (job) => (found.push(job), true));
  return found;
}

/**
 * Queues dead letters again with a fresh round of attempts. A job whose deadline has
 * passed gets as long again as it had at submit. Returns the ids queued.
 */
export async function redrive(core: QueueCore, target: { id: string } | { filter: DeadLetterFilter }): Promise<string[]> {
  const done: string[] = [];
  const now = core.clock.now();
  for (const job of await targets(core, target)) {
    const { reason: _reason, nextAttemptAt: _next, ...data } = job.data;
    const deadline = data.deadline > now ? data.deadline : now + (data.deadline - job.timestamp);
    try {
      await job.updateData({ ...data, deadline, redrives: data.redrives + 1, roundFrom: data.attempts.length });
      // BullMQ keeps a job's stall count and its "failed for stalling" verdict across a retry;
      // a redriven job starts clean.
      await core.redis.hdel(core.jobKey(job.id!), 'stc', 'defa');
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      done.push(job.id!);
    } catch (e) {
      // Redriven or purged by someone else meanwhile: only an error when it was asked for by id.
      if ('id' in target) throw new JobError('conflict', `job ${target.id} could not be redriven: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return done;
}

/** Deletes dead letters for good. Returns the ids deleted. */
export async function purge(core: QueueCore, target: { id: string } | { filter: DeadLetterFilter }): Promise<string[]> {
  const done: string[] = [];
  for (const job of await targets(core, target)) {
    if ((await core.bull.remove(job.id!)) === 1) done.push(job.id!);
  }
  return done;
}

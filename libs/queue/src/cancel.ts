import { JobState, type Job } from '@ultra/contracts/router';
import { JobError } from './job-error.ts';
import { markCancelled } from './job-scripts.ts';
import { readJob } from './job-view.ts';
import type { QueueCore } from './queue-core.ts';

/**
 * Cancels a job that has not ended. The mark is set atomically with the check (a job
 * whose answer is committed cannot be cancelled any more); every process hears of it
 * through the event stream, and the worker running the job aborts the attempt. A job
 * waiting for its next attempt is promoted so that a worker files it at once, without
 * calling the flow. Cancelling a cancelled job again is not an error.
 */
export async function cancelJob(core: QueueCore, id: string): Promise<Job> {
  const status = await markCancelled(core.redis, core.jobKey(id), core.bull.keys.events!, id, core.clock.now());
  const job = await readJob(core, id);
  if (status === 'missing' || !job) throw new JobError('not-found', `no job ${JSON.stringify(id)} (never submitted, or its result_ttl passed)`);
  if (status === 'ok') {
    const bull = await core.bull.getJob(id);
    if (bull && (await bull.getState()) === 'delayed') await bull.promote().catch(() => undefined);
    return job;
  }
  if (job.state === JobState.CANCELLED) return job;
  const what = job.state === JobState.DEAD_LETTERED ? 'dead-lettered (purge it instead)' : 'already answered';
  throw new JobError('conflict', `job ${id} is ${what}; only a job that has not ended can be cancelled`);
}

import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Outcome } from '@ultra/contracts/chat';
import { JobAttemptSchema, JobSchema, JobState, type Job } from '@ultra/contracts/router';
import type { Job as BullJob, JobState as BullState } from 'bullmq';
import { decodeAnswer, decodeRequest, toJobAttempt, type JobData } from './job-data.ts';
import { readMarks } from './job-scripts.ts';
import type { QueueCore } from './queue-core.ts';

/** States a job does not leave by itself (a dead letter leaves only when redriven). */
export const isFinal = (s: JobState) => s === JobState.SUCCEEDED || s === JobState.DEAD_LETTERED || s === JobState.CANCELLED;

type Marks = Awaited<ReturnType<typeof readMarks>>;

/** The job's state in Ultra's terms, from BullMQ's state and Ultra's own marks. */
export function stateOf(bull: BullState | 'unknown', job: BullJob<JobData>, marks: Marks): JobState {
  if (marks.cancelledAt !== undefined && bull !== 'failed') return JobState.CANCELLED;
  switch (bull) {
    case 'completed':
      return JobState.SUCCEEDED;
    case 'failed':
      return JobState.DEAD_LETTERED;
    case 'active':
      return JobState.RUNNING;
    case 'delayed':
      // Delayed after a failed attempt is a retry; before any, the degraded mode holds it back.
      return job.attemptsMade > 0 ? JobState.RETRYING : JobState.QUEUED;
    default:
      return JobState.QUEUED;
  }
}

/** The `Job` message for a BullMQ job. */
export function jobMessage(job: BullJob<JobData>, bull: BullState | 'unknown', marks: Marks): Job {
  const data = job.data;
  const state = stateOf(bull, job, marks);
  const answer = marks.answer && state === JobState.SUCCEEDED ? decodeAnswer(marks.answer) : undefined;
  const attempts = data.attempts.map(toJobAttempt);
  if (answer) {
    const startedAt = job.processedOn ?? job.timestamp;
    attempts.push(
      create(JobAttemptSchema, {
        number: (data.attempts.at(-1)?.n ?? 0) + 1,
        outcome: Outcome.OK,
        startedAt: timestampFromMs(startedAt),
        finishedAt: timestampFromMs(job.finishedOn ?? startedAt),
        providerAttempts: answer.attempts,
      }),
    );
  }
  const updated = Math.max(job.timestamp, job.processedOn ?? 0, job.finishedOn ?? 0, data.attempts.at(-1)?.finishedAt ?? 0, marks.cancelledAt ?? 0);
  const waiting = (state === JobState.RETRYING || state === JobState.QUEUED) && bull === 'delayed';
  const reason =
    state === JobState.DEAD_LETTERED
      ? (data.reason ?? job.failedReason ?? '')
      : state === JobState.CANCELLED
        ? `cancelled by CancelJob at ${new Date(marks.cancelledAt ?? 0).toISOString()}`
        : '';
  return create(JobSchema, {
    id: job.id ?? '',
    state,
    idempotencyKey: data.key,
    request: decodeRequest(data.request),
    attempts,
    ...(answer ? { answer } : {}),
    createdAt: timestampFromMs(job.timestamp),
    updatedAt: timestampFromMs(updated),
    ...(waiting && data.nextAttemptAt !== undefined ? { nextAttemptAt: timestampFromMs(data.nextAttemptAt) } : {}),
    deadline: timestampFromMs(data.deadline),
    maxAttempts: data.maxAttempts,
    reason,
    redrives: data.redrives,
  });
}

/** Reads job `id` in its present state; undefined when there is no such job (never was, or removed). */
export async function readJob(core: QueueCore, id: string): Promise<Job | undefined> {
  const job = await core.bull.getJob(id);
  if (!job) return undefined;
  const [bull, marks] = await Promise.all([job.getState(), readMarks(core.redis, core.jobKey(id))]);
  if (bull === 'unknown') return undefined;
  return jobMessage(job, bull, marks);
}

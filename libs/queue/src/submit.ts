import { create } from '@bufbuild/protobuf';
import { ChatRequestSchema, type ChatRequest } from '@ultra/contracts/chat';
import type { Job } from '@ultra/contracts/router';
import { validateRequest } from '@ultra/runtime';
import { createHash, randomUUID } from 'node:crypto';
import { encodeRequest, type JobData } from './job-data.ts';
import { JobError } from './job-error.ts';
import { readMarks } from './job-scripts.ts';
import { jobMessage } from './job-view.ts';
import type { QueueCore } from './queue-core.ts';
import { BACKOFF_TYPE } from './retry-policy.ts';

/** The job id an idempotency key names: `j` and 32 hex digits of its SHA-256. */
export const jobIdFor = (key: string) => `j${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;

export interface SubmitOptions {
  /** No attempt starts after this, epoch ms. Default: now plus `queue.default_deadline`. */
  deadline?: number | undefined;
}

/**
 * Queues `request` and returns its job at once. The job id is a hash of the request's
 * idempotency key (one is made up, `auto:<uuid>`, when it has none), and BullMQ adds a job
 * only when no job with that id exists — atomically, in one Lua script — so concurrent
 * submits with one key make one job: the first request wins, every submit gets that job,
 * and `created` is true for exactly one of them. A request no provider could answer
 * (`validateRequest`, at the default limits) is refused here rather than dead-lettered later.
 */
export async function submitJob(core: QueueCore, raw: ChatRequest | undefined, options: SubmitOptions = {}): Promise<{ job: Job; created: boolean }> {
  const { config, clock, bull } = core;
  const now = clock.now();
  const deadline = options.deadline ?? now + config.defaultDeadlineMs;
  if (deadline <= now) throw new JobError('invalid', `deadline: ${new Date(deadline).toISOString()} has already passed`);
  const valid = validateRequest(raw);
  const key = valid.idempotencyKey !== '' ? valid.idempotencyKey : `auto:${randomUUID()}`;
  const request = create(ChatRequestSchema, { ...valid, idempotencyKey: key });
  const id = jobIdFor(key);
  const nonce = randomUUID();
  const data: JobData = { request: encodeRequest(request), key, deadline, maxAttempts: config.maxAttempts, attempts: [], redrives: 0, nonce };
  await bull.add('chat', data, {
    jobId: id,
    attempts: config.maxAttempts,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { age: Math.ceil(config.resultTtlMs / 1000) },
    removeOnFail: config.deadLetterTtlMs > 0 ? { age: Math.ceil(config.deadLetterTtlMs / 1000) } : false,
  });
  const job = await bull.getJob(id);
  if (!job) throw new JobError('conflict', `job ${id} (idempotency key ${JSON.stringify(key)}) was removed as it was submitted; submit again`);
  const [state, marks] = await Promise.all([job.getState(), readMarks(core.redis, core.jobKey(id))]);
  return { job: jobMessage(job, state, marks), created: job.data.nonce === nonce };
}

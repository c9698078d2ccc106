import type { ChatRequest } from '@ultra/contracts/chat';
import type { Job } from '@ultra/contracts/router';
import { cancelJob } from './cancel.ts';
import { listDeadLetters, purge, redrive, type DeadLetterFilter } from './dead-letters.ts';
import { JobError } from './job-error.ts';
import { readJob } from './job-view.ts';
import { createQueueCore, type QueueCore, type QueueCoreDeps } from './queue-core.ts';
import { getStats, type QueueStats } from './queue-stats.ts';
import { submitJob, type SubmitOptions } from './submit.ts';
import { watchJob } from './watch.ts';

/** One dead letter by id, or every one a filter matches. */
export type DeadLetterTarget = { id: string } | { filter: DeadLetterFilter };

/** The durable retry queue: the interface the router's job RPCs and its chat flow use. */
export interface JobQueue {
  /** Queues a request; the same idempotency key gives the same job. */
  submit(request: ChatRequest | undefined, options?: SubmitOptions): Promise<{ job: Job; created: boolean }>;
  /**
   * The chat flow's deferral hook (`FlowDeps.defer`): queues `request` with the default
   * deadline and gives the job id. A request deferred again by a worker's own pass
   * through the flow finds its own job, by its idempotency key.
   */
  defer(request: ChatRequest): Promise<string>;
  /** The job now; a JobError (`not-found`) when there is none. */
  get(id: string): Promise<Job>;
  /** The job now and on every change, until it ends or `signal` aborts. */
  watch(id: string, signal: AbortSignal): AsyncGenerator<Job>;
  cancel(id: string): Promise<Job>;
  listDeadLetters(pageSize: number, pageToken: string, filter: DeadLetterFilter): Promise<{ jobs: Job[]; nextPageToken: string; total: number }>;
  /** Queues dead letters again; returns the ids. */
  redrive(target: DeadLetterTarget): Promise<string[]>;
  /** Deletes dead letters; returns the ids. */
  purge(target: DeadLetterTarget): Promise<string[]>;
  /** Depth, ages, retries, dead letters: see {@link QueueStats}. */
  getStats(): Promise<QueueStats>;
  /** What workers of this queue share with it. */
  readonly core: QueueCore;
  close(): Promise<void>;
}

/** The queue on the Redis at `deps.redisUrl`, configured by `deps.config` (the `queue:` section). */
export function createJobQueue(deps: QueueCoreDeps): JobQueue {
  const core = createQueueCore(deps);
  return {
    core,
    submit: (request, options) => submitJob(core, request, options),
    defer: async (request) => (await submitJob(core, request)).job.id,
    async get(id) {
      const job = await readJob(core, id);
      if (!job) throw new JobError('not-found', `no job ${JSON.stringify(id)} (never submitted, or its result_ttl passed)`);
      return job;
    },
    watch: (id, signal) => watchJob(core, id, signal),
    cancel: (id) => cancelJob(core, id),
    listDeadLetters: (pageSize, pageToken, filter) => listDeadLetters(core, pageSize, pageToken, filter),
    redrive: (target) => redrive(core, target),
    purge: (target) => purge(core, target),
    getStats: () => getStats(core),
    close: () => core.close(),
  };
}

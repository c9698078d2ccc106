import type { Random } from '@ultra/core';
import { Worker } from 'bullmq';
import type { JobData, JobResult } from './job-data.ts';
import type { JobQueue } from './job-queue.ts';
import { QUEUE_NAME } from './queue-core.ts';
import { backoffStrategy, createRetryPolicy, limiterFor } from './retry-policy.ts';
import type { QueueFlow } from './queue-flow.ts';
import { createProcessor } from './run-attempt.ts';

export interface JobWorkerDeps {
  queue: JobQueue;
  /** The router's failover path: every job runs through `flow.complete`. */
  flow: QueueFlow;
  /** Draws the backoff jitter. */
  random: Random;
}

export interface JobWorker {
  readonly bull: Worker<JobData, JobResult>;
  /**
   * Stops taking jobs and waits up to `graceMs` (default: forever) for the running ones;
   * after that leaves them: their locks lapse and another worker runs them again.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * A BullMQ worker for the queue, configured from `queue:`: `concurrency` jobs at once,
 * `drain_rate` jobs per second across every worker (BullMQ's limiter is kept in Redis),
 * a lock of `lock_duration` renewed at half of it, and a check for jobs whose worker died
 * every `stalled_interval` (such jobs run again, up to `max_stalled` times).
 */
export function createJobWorker(deps: JobWorkerDeps): JobWorker {
  const { core } = deps.queue;
  const c = core.config;
  const processor = createProcessor({ core, flow: deps.flow, policy: createRetryPolicy(c, deps.random) });
  const limiter = limiterFor(c.drainRate);
  const worker = new Worker<JobData, JobResult>(QUEUE_NAME, processor, {
    connection: core.consumer(),
    prefix: c.keyPrefix,
    concurrency: c.concurrency,
    lockDuration: c.lockDurationMs,
    stalledInterval: c.stalledIntervalMs,
    maxStalledCount: c.maxStalled,
    ...(limiter ? { limiter } : {}),
    settings: { backoffStrategy },
  });
  // Redis errors, which BullMQ recovers from by itself, go where the queue's go.
  worker.on('error', (err) => core.reportError(err));
  const stopListening = core.events.onCancelled((id) => worker.cancelJob(id, 'cancelled by CancelJob'));
  return {
    bull: worker,
    async close(graceMs) {
      stopListening();
      // With Redis away a running job cannot report its end, and a graceful close waits for
      // Redis forever: close at once, leaving the jobs to run again elsewhere.
      if (core.consumer().status !== 'ready') return worker.close(true);
      const graceful = worker.close();
      if (graceMs === undefined) return graceful;
      let timer: unknown;
      const timedOut = new Promise<boolean>((resolve) => (timer = core.clock.setTimeout(() => resolve(true), graceMs)));
      await Promise.race([graceful.then(() => false), timedOut]);
      core.clock.clearTimeout(timer);
      // Late: the running jobs are left (BullMQ's close(true) would only return the close
      // already under way); the queue's close drops the connections.
    },
  };
}

import type { Clock, Random } from '@ultra/core';
import type { JobQueue, QueueFlow, QueueStats } from '@ultra/queue';
import type { Logger } from '@ultra/runtime';
import type { Meter } from '@opentelemetry/api';
import type { RouterOptions } from './config.ts';

/** The durable queue, held by the router: the queue, and its worker once the flow exists. */
export interface RouterQueue {
  readonly jobs: JobQueue;
  /** Starts the worker (when `queue.worker` is on) on `flow`; it stops taking jobs when `shutdown` aborts. */
  startWorker(flow: QueueFlow, shutdown: AbortSignal): void;
  /** Waits for the worker (up to the jobs' share of the grace), then closes the queue. */
  close(): Promise<void>;
}

/**
 * The durable queue, in Redis: without a Redis URL there is none (deferral answers
 * UNAVAILABLE and the job RPCs FAILED_PRECONDITION). BullMQ (about 15 MB of modules) and
 * ioredis load only when there is a Redis to use. Its depth, ages, retries and dead
 * letters are gauges, read at each scrape (a few Redis calls). They count the whole
 * fleet's queue, so only the router holding `exporter` (the fleet's gauges role,
 * router-fleet.ts) observes them: a sum over routers counts them once.
 */
export async function openRouterQueue(deps: {
  options: RouterOptions;
  clock: Clock;
  random: Random;
  log: Logger;
  meter: Meter;
  /** Whether this router exports the fleet-wide gauges now; default: always. */
  exporter?: { readonly held: boolean } | undefined;
}): Promise<RouterQueue | undefined> {
  const { options, clock, log } = deps;
  const redisUrl = options.redisUrl;
  if (!redisUrl) return undefined;
  const modules = await import('@ultra/queue');
  const onError = (err: Error) => log.warn({ err: err.message }, 'queue: Redis error; retrying');
  const jobs = modules.createJobQueue({ redisUrl, config: options.queue, clock, onError });
  const gauge = (name: string, description: string, pick: (s: QueueStats) => number) =>
    deps.meter.createObservableGauge(name, { description }).addCallback(async (r) => {
      if (deps.exporter && !deps.exporter.held) return;
      const stats = await jobs.getStats().catch(() => undefined);
      if (stats) r.observe(pick(stats));
    });
  gauge('ultra_queue_depth', 'Jobs not yet ended: waiting, running, retrying', (s) => s.depth);
  gauge('ultra_queue_dead_letters', 'Jobs in the dead-letter set', (s) => s.deadLetters);
  gauge('ultra_queue_oldest_waiting_seconds', 'Age of the oldest job waiting for a worker', (s) => s.oldestWaitingAgeMs / 1000);
  gauge('ultra_queue_retries', 'Retries scheduled since the queue began', (s) => s.totals.retries);
  let stopped: Promise<void> = Promise.resolve();
  return {
    jobs,
    startWorker(flow, shutdown) {
      if (!options.worker) return;
      const worker = modules.createJobWorker({ queue: jobs, flow, random: deps.random });
      // The worker stops taking jobs when the drain starts (maybe during start-up: the signal
      // is already aborted) and leaves its running jobs when the requests' share of the grace ends.
      stopped = new Promise<void>((resolve) => {
        const stop = () => resolve(worker.close(options.jobsGraceMs));
        if (shutdown.aborted) stop();
        else shutdown.addEventListener('abort', stop, { once: true });
      });
    },
    async close() {
      await stopped;
      await jobs.close();
    },
  };
}

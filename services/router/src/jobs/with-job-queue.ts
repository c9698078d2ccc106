import type { JobQueue } from './job-queue.ts';

/**
 * A chat flow that also carries the router's job queue. The router's server builds
 * RouterService from the flow alone (`createRouterService(deps.flow)`), so the queue rides
 * along with it into the job RPCs until the server takes it as a dependency of its own.
 */
export interface WithJobQueue {
  readonly jobQueue?: JobQueue | undefined;
}

/** `flow` with `queue` attached (a copy; the flow itself is not changed). */
export function withJobQueue<F extends object>(flow: F, queue: JobQueue | undefined): F & WithJobQueue {
  return { ...flow, jobQueue: queue };
}

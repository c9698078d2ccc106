import type { Clock } from '@ultra/core';
import type { Job } from '@ultra/contracts/router';
import { JobError } from './job-error.ts';
import { isFinal, readJob } from './job-view.ts';
import type { QueueCore } from './queue-core.ts';

/** How often a watch reads the job even when it heard nothing, in ms (events can be missed across a reconnect). */
export const WATCH_POLL_MS = 1_000;

/** A signal aborted by `signal` or after `ms` on `clock`; `done()` releases the timer. */
function timeoutOn(clock: Clock, ms: number, signal: AbortSignal): { signal: AbortSignal; done(): void } {
  const ctl = new AbortController();
  const timer = clock.setTimeout(() => ctl.abort(), ms);
  const onAbort = () => ctl.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    signal: ctl.signal,
    done() {
      clock.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}

/** What a watcher compares to tell a change: state, attempts, next attempt time. */
const signature = (job: Job) => `${job.state}|${job.attempts.length}|${job.nextAttemptAt?.seconds ?? ''}:${job.nextAttemptAt?.nanos ?? ''}|${job.redrives}`;

/**
 * Job `id` now, then again on every change of state or attempts, until it reaches a final
 * state, is removed, or `signal` aborts. Woken by the queue's event stream, and reads the
 * job every {@link WATCH_POLL_MS} regardless.
 */
export async function* watchJob(core: QueueCore, id: string, signal: AbortSignal, pollMs = WATCH_POLL_MS): AsyncGenerator<Job> {
  const follow = core.events.follow(id);
  try {
    await core.events.ready();
    let last: string | undefined;
    while (!signal.aborted) {
      const seen = follow.notifier.version;
      const job = await readJob(core, id);
      if (!job) {
        if (last === undefined) throw new JobError('not-found', `no job ${JSON.stringify(id)} (never submitted, or its result_ttl passed)`);
        return;
      }
      const sig = signature(job);
      if (sig !== last) {
        last = sig;
        yield job;
      }
      if (isFinal(job.state)) return;
      const wait = timeoutOn(core.clock, pollMs, signal);
      try {
        await follow.notifier.wait(seen, wait.signal);
      } finally {
        wait.done();
      }
    }
  } finally {
    follow.release();
  }
}

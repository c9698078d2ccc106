import { createNotifier, type Notifier } from '@ultra/core';
import type { QueueEvents, QueueEventsListener } from 'bullmq';
import type { Redis } from 'ioredis';
import { CANCELLED_EVENT } from './job-scripts.ts';

/** BullMQ's events that change what GetJob shows, plus Ultra's cancel event. */
const JOB_EVENTS = ['added', 'waiting', 'active', 'delayed', 'completed', 'failed', 'removed', 'stalled', 'progress', CANCELLED_EVENT] as const;

/** BullMQ's listeners, and one for Ultra's cancel event, which names its job in `jobId` (job-scripts.ts). */
type JobEventListeners = QueueEventsListener & Record<typeof CANCELLED_EVENT, (args: { jobId: string }) => void>;

/** What a process hears about jobs from the queue's event stream (one reader per process). */
export interface JobEvents {
  /** Resolves once the reader's start is fixed: every event after this is heard. */
  ready(): Promise<void>;
  /** A notifier bumped on every event about job `id`; release it when done. */
  follow(id: string): { notifier: Notifier; release(): void };
  /** Calls `fn` with the id of every job cancelled from now on; returns the unsubscribe. */
  onCancelled(fn: (id: string) => void): () => void;
  close(): Promise<void>;
}

/** The id of the last entry of the stream at `key` (`0-0` when empty): a reader starting there misses nothing after. */
export async function streamTail(redis: Redis, key: string): Promise<string> {
  const [last] = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
  return last?.[0] ?? '0-0';
}

/**
 * The queue's events for this process, read from BullMQ's event stream by one
 * `QueueEvents` (one blocking connection), made on first use.
 *
 * The reader starts from the stream's last entry as it was when the reader was made
 * (`lastStreamId`), not from `$`: BullMQ reads `$` only when its first blocking read
 * reaches Redis, and an event added before then (a CancelJob issued while the reader's
 * connection was still being set up, on a loaded machine) would never be heard. With a
 * fixed start, everything after {@link JobEvents.ready} resolves is heard.
 */
export function createJobEvents(open: (lastEventId: string) => QueueEvents, lastStreamId: () => Promise<string>): JobEvents {
  let reader: Promise<QueueEvents> | undefined;
  let opened: QueueEvents | undefined;
  let closed = false;
  const followed = new Map<string, { notifier: Notifier; count: number }>();
  const cancelWatchers = new Set<(id: string) => void>();
  const listen = (r: QueueEvents) => {
    for (const name of JOB_EVENTS) {
      r.on<JobEventListeners>(name, (args: { jobId?: string }) => {
        const id = args?.jobId;
        if (id === undefined) return;
        followed.get(id)?.notifier.notify();
        if (name === CANCELLED_EVENT) for (const fn of cancelWatchers) fn(id);
      });
    }
    r.on('error', () => undefined);
    return r;
  };
  const start = () => {
    if (!reader) {
      const made = lastStreamId().then((from) => {
        if (closed) throw new Error('the job event reader is closed');
        return (opened = listen(open(from)));
      });
      // A failed start (Redis unreachable) is retried by the next caller.
      made.catch(() => {
        if (reader === made) reader = undefined;
      });
      reader = made;
    }
    return reader;
  };
  return {
    async ready() {
      await (await start()).waitUntilReady();
    },
    follow(id) {
      void start().catch(() => undefined);
      let entry = followed.get(id);
      if (!entry) followed.set(id, (entry = { notifier: createNotifier(), count: 0 }));
      entry.count++;
      const held = entry;
      return {
        notifier: held.notifier,
        release() {
          if (--held.count === 0 && followed.get(id) === held) followed.delete(id);
        },
      };
    },
    onCancelled(fn) {
      void start().catch(() => undefined);
      cancelWatchers.add(fn);
      return () => cancelWatchers.delete(fn);
    },
    async close() {
      // A reader still being made waits for Redis, maybe for ever: it is not waited for,
      // and once its start is read it sees `closed` and opens nothing.
      closed = true;
      reader = undefined;
      await opened?.close();
    },
  };
}

import { createNotifier, type Notifier } from '@ultra/core';
import type { QueueEvents } from 'bullmq';
import { CANCELLED_EVENT } from './job-scripts.ts';

/** BullMQ's events that change what GetJob shows, plus Ultra's cancel event. */
const JOB_EVENTS = ['added', 'waiting', 'active', 'delayed', 'completed', 'failed', 'removed', 'stalled', 'progress', CANCELLED_EVENT] as const;

/** What a process hears about jobs from the queue's event stream (one reader per process). */
export interface JobEvents {
  /** Resolves once the reader is listening; events before that are not heard. */
  ready(): Promise<void>;
  /** A notifier bumped on every event about job `id`; release it when done. */
  follow(id: string): { notifier: Notifier; release(): void };
  /** Calls `fn` with the id of every job cancelled from now on; returns the unsubscribe. */
  onCancelled(fn: (id: string) => void): () => void;
  close(): Promise<void>;
}

/**
 * The queue's events for this process, read from BullMQ's event stream by one
 * `QueueEvents` (one blocking connection), made on first use.
 */
export function createJobEvents(open: () => QueueEvents): JobEvents {
  let reader: QueueEvents | undefined;
  const followed = new Map<string, { notifier: Notifier; count: number }>();
  const cancelWatchers = new Set<(id: string) => void>();
  const start = () => {
    if (reader) return reader;
    const r = open();
    for (const name of JOB_EVENTS) {
      r.on(name as 'waiting', (args: { jobId?: string }) => {
        const id = args?.jobId;
        if (id === undefined) return;
        followed.get(id)?.notifier.notify();
        if (name === CANCELLED_EVENT) for (const fn of cancelWatchers) fn(id);
      });
    }
    r.on('error', () => undefined);
    reader = r;
    return r;
  };
  return {
    async ready() {
      await start().waitUntilReady();
    },
    follow(id) {
      start();
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
      start();
      cancelWatchers.add(fn);
      return () => cancelWatchers.delete(fn);
    },
    async close() {
      await reader?.close();
      reader = undefined;
    },
  };
}

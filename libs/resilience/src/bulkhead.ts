import type { Clock } from '@ultra/core';
import { BulkheadFullError } from './bulkhead-full-error.ts';

/** Pass a `Partial<>`; missing fields take {@link defaultBulkheadOptions}. */
export interface BulkheadOptions {
  /** Calls running at once. Calls, integer ≥ 1. Default 32. */
  readonly limit: number;
  /** Calls allowed to wait, first in first out, for a slot; 0 rejects at once when full. Calls. Default 64. */
  readonly queue: number;
  /** Longest wait in the queue before giving up; 0 waits as long as it takes. Milliseconds. Default 0. */
  readonly maxQueueWaitMs: number;
}

export const defaultBulkheadOptions: BulkheadOptions = Object.freeze({ limit: 32, queue: 64, maxQueueWaitMs: 0 });

export interface Bulkhead {
  /**
   * Runs `fn` in a slot, now or after waiting its turn. Rejects at once with a
   * {@link BulkheadFullError} when slots and queue are all taken, and with
   * `signal.reason` when `signal` aborts before the call got a slot.
   */
  execute<T>(fn: (signal: AbortSignal | undefined) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Calls running. */
  readonly active: number;
  /** Calls waiting. */
  readonly queued: number;
}

interface Waiter {
  start(): void;
}

/** A concurrency limit with a bounded FIFO wait queue. */
export function createBulkhead(options: Partial<BulkheadOptions>, deps: { readonly clock: Clock }): Bulkhead {
  const o: BulkheadOptions = { ...defaultBulkheadOptions, ...options };
  if (!Number.isInteger(o.limit) || o.limit < 1 || !Number.isInteger(o.queue) || o.queue < 0 || !(o.maxQueueWaitMs >= 0)) {
    throw new RangeError(`bulkhead needs an integer limit ≥ 1, queue ≥ 0 and maxQueueWaitMs ≥ 0, got ${JSON.stringify(o)}`);
  }
  const waiting: Waiter[] = [];
  let active = 0;

  const release = () => {
    active--;
    waiting.shift()?.start();
  };

  const run = <T>(fn: (signal: AbortSignal | undefined) => Promise<T>, signal: AbortSignal | undefined): Promise<T> => {
    active++;
    let p: Promise<T>;
    try {
      p = fn(signal);
    } catch (e) {
      p = Promise.reject(e);
    }
    return p.finally(release);
  };

  return {
    execute(fn, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (active < o.limit) return run(fn, signal);
      if (waiting.length >= o.queue) return Promise.reject(new BulkheadFullError('full', o.limit, o.queue));
      return new Promise((resolve, reject) => {
        let timer: unknown;
        const leave = () => {
          const i = waiting.indexOf(waiter);
          if (i >= 0) waiting.splice(i, 1);
          signal?.removeEventListener('abort', onAbort);
          if (timer !== undefined) deps.clock.clearTimeout(timer);
        };
        const onAbort = () => {
          leave();
          reject(signal?.reason);
        };
        const waiter: Waiter = {
          start() {
            leave();
            run(fn, signal).then(resolve, reject);
          },
        };
        waiting.push(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
        if (o.maxQueueWaitMs > 0) {
          timer = deps.clock.setTimeout(() => {
            leave();
            reject(new BulkheadFullError('queue-timeout', o.limit, o.queue, o.maxQueueWaitMs));
          }, o.maxQueueWaitMs);
        }
      });
    },
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
  };
}

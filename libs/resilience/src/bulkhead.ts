import type { Clock } from '@ultra/core';
import { BulkheadFullError } from './bulkhead-full-error.ts';
import { PRIORITY_CLASSES, capacityFor, type PriorityClass } from './priority.ts';

/** Pass a `Partial<>`; missing fields take {@link defaultBulkheadOptions}. */
export interface BulkheadOptions {
  /** Calls running at once, when no adaptive limit is given (`deps.limit`). Calls, integer ≥ 1. Default 512. */
  readonly limit: number;
  /** Calls allowed to wait for a slot, over all priorities; 0 rejects at once when full. Calls. Default 4096. */
  readonly queue: number;
  /** Longest wait in the queue before giving up; 0: for however long the caller's deadline allows. Milliseconds. Default 0. */
  readonly maxQueueWaitMs: number;
  /** Share of the limit each class below `high` leaves to the classes above it (see `capacityFor`). Ratio in [0, 0.25]. Default 0.05. */
  readonly reserveShare: number;
}

export const defaultBulkheadOptions: BulkheadOptions = Object.freeze({ limit: 512, queue: 4096, maxQueueWaitMs: 0, reserveShare: 0.05 });

/** Where the limit comes from when it moves: an `AdaptiveLimit`, or anything with the same two readings. */
export interface LimitSource {
  /** Calls allowed at once now. */
  readonly value: number;
  /** Usual time a call holds its slot, ms; 0 when not known yet. Drives the wait estimates. */
  readonly latencyMs: number;
}

/** How a call asks for a slot. */
export interface AcquireOptions {
  /** Default `normal`. */
  readonly priority?: PriorityClass | undefined;
  /** Aborting takes the call out of the queue; it rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
  /** Epoch ms by which the call must be done: it is refused (`'deadline'`) when it cannot get a slot and be served by then. */
  readonly deadlineAt?: number | undefined;
}

/** A held slot; `release()` frees it (more than once is harmless). */
export interface BulkheadPermit {
  release(): void;
  /** Epoch ms the slot was taken. */
  readonly startedAt: number;
  /** Calls in flight when it was taken, this one included. */
  readonly inFlight: number;
}

export interface Bulkhead {
  /** Takes a slot, now or after waiting behind higher and earlier calls. @throws BulkheadFullError */
  acquire(options?: AcquireOptions): Promise<BulkheadPermit>;
  /** Runs `fn` in a slot (normal priority, no deadline). */
  execute<T>(fn: (signal: AbortSignal | undefined) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Calls running. */
  readonly active: number;
  /** Calls waiting. */
  readonly queued: number;
  /** The limit now. */
  readonly limit: number;
}

interface Waiter {
  readonly priority: PriorityClass;
  start(): void;
}

/**
 * A concurrency limit (fixed, or read from `deps.limit` on every decision) with one FIFO
 * queue per priority class: a free slot goes to the oldest waiter of the highest class
 * whose share allows it. A waiter is refused as soon as the estimated wait plus one call
 * would end past its deadline, so shed work is told at once, never left to time out.
 */
export function createBulkhead(options: Partial<BulkheadOptions>, deps: { readonly clock: Clock; readonly limit?: LimitSource }): Bulkhead {
  const o: BulkheadOptions = { ...defaultBulkheadOptions, ...options };
  if (!Number.isInteger(o.limit) || o.limit < 1 || !Number.isInteger(o.queue) || o.queue < 0 || !(o.maxQueueWaitMs >= 0) || !(o.reserveShare >= 0 && o.reserveShare <= 0.25)) {
    throw new RangeError(`bulkhead needs an integer limit ≥ 1, queue ≥ 0, maxQueueWaitMs ≥ 0 and reserveShare in [0, 0.25], got ${JSON.stringify(o)}`);
  }
  const { clock } = deps;
  const queues = new Map<PriorityClass, Waiter[]>(PRIORITY_CLASSES.map((p) => [p, []]));
  let active = 0;
  let waiting = 0;
  const limitNow = () => deps.limit?.value ?? o.limit;
  const serviceMs = () => deps.limit?.latencyMs ?? 0;
  const fits = (p: PriorityClass) => active < capacityFor(p, limitNow(), o.reserveShare);
  /** Waiters that go before a new call of class `p`. */
  const ahead = (p: PriorityClass) => PRIORITY_CLASSES.slice(0, PRIORITY_CLASSES.indexOf(p) + 1).reduce((n, c) => n + queues.get(c)!.length, 0);
  /** Estimated wait for the `n`-th in line, ms (0 without a latency estimate). */
  const waitFor = (n: number, p: PriorityClass) => (n * serviceMs()) / capacityFor(p, limitNow(), o.reserveShare);

  const permit = (): BulkheadPermit => {
    active++;
    let done = false;
    return {
      startedAt: clock.now(),
      inFlight: active,
      release() {
        if (done) return;
        done = true;
        active--;
        dispatch();
      },
    };
  };

  const dispatch = () => {
    for (const p of PRIORITY_CLASSES) {
      const q = queues.get(p)!;
      while (q.length > 0 && fits(p)) q[0]!.start();
      if (q.length > 0) return; // lower classes wait behind this one
    }
  };

  const acquire = (a: AcquireOptions = {}): Promise<BulkheadPermit> => {
    const p = a.priority ?? 'normal';
    const { signal, deadlineAt } = a;
    if (signal?.aborted) return Promise.reject(signal.reason);
    dispatch(); // the limit may have grown since the last release
    if (ahead(p) === 0 && fits(p)) return Promise.resolve(permit());
    const line = ahead(p) + 1;
    const refuse = (reason: 'full' | 'deadline', n: number) =>
      new BulkheadFullError(reason, limitNow(), o.queue, { retryAfterMs: waitFor(n, p), ahead: n - 1, serviceMs: serviceMs() });
    if (waiting >= o.queue) return Promise.reject(refuse('full', line));
    const S = serviceMs();
    const now = clock.now();
    if (deadlineAt !== undefined && S > 0 && now + waitFor(line, p) + S > deadlineAt) return Promise.reject(refuse('deadline', line));
    return new Promise((resolve, reject) => {
      const timers: unknown[] = [];
      const q = queues.get(p)!;
      const leave = () => {
        const i = q.indexOf(waiter);
        if (i >= 0) q.splice(i, 1);
        waiting--;
        signal?.removeEventListener('abort', onAbort);
        for (const t of timers) clock.clearTimeout(t);
      };
      const onAbort = () => {
        leave();
        reject(signal?.reason);
        dispatch();
      };
      const waiter: Waiter = {
        priority: p,
        start() {
          leave();
          resolve(permit());
        },
      };
      q.push(waiter);
      waiting++;
      signal?.addEventListener('abort', onAbort, { once: true });
      /** Where the waiter stands in line now, 1 = next. */
      const position = () => ahead(p) - q.length + q.indexOf(waiter) + 1;
      const giveUp = (make: () => BulkheadFullError) => () => {
        const e = make();
        leave();
        reject(e);
        dispatch();
      };
      if (o.maxQueueWaitMs > 0) {
        const timeout = () => new BulkheadFullError('queue-timeout', limitNow(), o.queue, { waitedMs: o.maxQueueWaitMs, retryAfterMs: waitFor(position(), p) });
        timers.push(clock.setTimeout(giveUp(timeout), o.maxQueueWaitMs));
      }
      // Still waiting when only one call's time is left before the deadline: it cannot be served in time.
      if (deadlineAt !== undefined) timers.push(clock.setTimeout(giveUp(() => refuse('deadline', position())), Math.max(0, deadlineAt - S - now)));
    });
  };

  return {
    acquire,
    async execute(fn, signal) {
      const held = await acquire({ signal });
      try {
        return await fn(signal);
      } finally {
        held.release();
      }
    },
    get active() {
      return active;
    },
    get queued() {
      return waiting;
    },
    get limit() {
      return limitNow();
    },
  };
}

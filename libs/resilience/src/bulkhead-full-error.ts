import { formatDuration } from '@ultra/core';

/** Why the bulkhead turned a call away. */
export type BulkheadRefusal = 'full' | 'queue-timeout' | 'deadline';

/**
 * A call the bulkhead turned away: every slot busy and the queue full (`'full'`), it
 * waited longer than `maxQueueWaitMs` (`'queue-timeout'`), or it could not get a slot
 * and be served before the caller's deadline (`'deadline'`). `retryAfterMs` is the
 * bulkhead's estimate of when a slot will be free (0 when it has no estimate yet).
 */
export class BulkheadFullError extends Error {
  readonly reason: BulkheadRefusal;
  /** Concurrent calls allowed. */
  readonly limit: number;
  /** Calls allowed to wait. */
  readonly queue: number;
  /** When to try again, ms; 0: unknown. */
  readonly retryAfterMs: number;

  constructor(reason: BulkheadRefusal, limit: number, queue: number, detail: { waitedMs?: number; retryAfterMs?: number; ahead?: number; serviceMs?: number } = {}) {
    const again = detail.retryAfterMs ? `; try again in about ${formatDuration(Math.ceil(detail.retryAfterMs))}` : '';
    super(
      reason === 'full'
        ? `bulkhead full: all ${limit} slots busy and ${queue} calls already queued (limit ${limit}, queue ${queue})${again}`
        : reason === 'queue-timeout'
          ? `bulkhead queue wait of ${detail.waitedMs ?? 0} ms ran out before one of ${limit} slots came free (limit ${limit}, queue ${queue})${again}`
          : `bulkhead: no slot in time for the caller's deadline: ${detail.ahead ?? 0} calls ahead for ${limit} slots at about ${formatDuration(Math.round(detail.serviceMs ?? 0))} a call${again}`,
    );
    this.name = 'BulkheadFullError';
    this.reason = reason;
    this.limit = limit;
    this.queue = queue;
    this.retryAfterMs = Math.ceil(detail.retryAfterMs ?? 0);
  }
}

export function isBulkheadFullError(e: unknown): e is BulkheadFullError {
  return e instanceof BulkheadFullError;
}

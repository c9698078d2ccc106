/**
 * A call the bulkhead turned away: every slot busy and the queue full (`'full'`), or
 * it waited in the queue longer than `maxQueueWaitMs` (`'queue-timeout'`). Either way
 * the caller should go elsewhere rather than wait.
 */
export class BulkheadFullError extends Error {
  readonly reason: 'full' | 'queue-timeout';
  /** Concurrent calls allowed. */
  readonly limit: number;
  /** Calls allowed to wait. */
  readonly queue: number;

  constructor(reason: 'full' | 'queue-timeout', limit: number, queue: number, waitedMs?: number) {
    super(
      reason === 'full'
        ? `bulkhead full: all ${limit} slots busy and ${queue} calls already queued (limit ${limit}, queue ${queue})`
        : `bulkhead queue wait of ${waitedMs ?? 0} ms ran out before one of ${limit} slots came free (limit ${limit}, queue ${queue})`,
    );
    this.name = 'BulkheadFullError';
    this.reason = reason;
    this.limit = limit;
    this.queue = queue;
  }
}

export function isBulkheadFullError(e: unknown): e is BulkheadFullError {
  return e instanceof BulkheadFullError;
}

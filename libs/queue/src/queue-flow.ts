import type { ChatAnswer, ChatRequest } from '@ultra/contracts/chat';

/** How long one attempt may take, and what cancels it. */
export interface AttemptOptions {
  /** Aborted when the job is cancelled or the worker stops. */
  signal: AbortSignal;
  /** The attempt's deadline, ms from now: `queue.attempt_timeout`, never past the job's deadline. */
  timeoutMs: number;
}

/**
 * What the queue's worker needs of the process it runs in: one whole answer for a
 * request, through the router's failover path (the router's chat flow is one). A failure
 * is thrown as the flow throws it; {@link classifyFailure} reads it.
 */
export interface QueueFlow {
  complete(request: ChatRequest, options: AttemptOptions): Promise<ChatAnswer>;
}

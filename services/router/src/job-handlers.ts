import { create } from '@bufbuild/protobuf';
import { timestampMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import {
  CancelJobResponseSchema,
  GetJobResponseSchema,
  ListDeadLettersResponseSchema,
  PurgeDeadLetterResponseSchema,
  RedriveDeadLetterResponseSchema,
  SubmitJobResponseSchema,
  WatchJobResponseSchema,
  type PurgeDeadLetterRequest,
  type RedriveDeadLetterRequest,
  type RouterService,
} from '@ultra/contracts/router';
import { Outcome } from '@ultra/contracts/chat';
// The errors alone, not the package's index: that one loads BullMQ, which a router
// without a queue never needs.
import { isJobError } from '@ultra/queue/errors';
import { isDomainError } from '@ultra/core';
import { toRpcError } from './rpc-errors.ts';
import type { DeadLetterFilter, DeadLetterTarget, JobQueue } from '@ultra/queue';

/** The RouterService methods of the queue. */
export type JobHandlers = Pick<
  ServiceImpl<typeof RouterService>,
  'submitJob' | 'getJob' | 'watchJob' | 'cancelJob' | 'listDeadLetters' | 'redriveDeadLetter' | 'purgeDeadLetter'
>;

/** The message every job RPC answers with when the router runs without Redis. */
export const NO_QUEUE_MESSAGE = 'the queue needs Redis: set REDIS_URL';

const CODES = { 'not-found': Code.NotFound, conflict: Code.FailedPrecondition, invalid: Code.InvalidArgument } as const;

/** The queue's errors to status codes (a request it refuses is INVALID_ARGUMENT, like one the flow refuses); an unreachable Redis is UNAVAILABLE. */
function edge(e: unknown): never {
  if (isJobError(e)) throw new ConnectError(e.message, CODES[e.kind]);
  if (e instanceof ConnectError || isDomainError(e)) throw toRpcError(e);
  throw new ConnectError(`the queue cannot be reached: ${e instanceof Error ? e.message : String(e)}`, Code.Unavailable);
}

const guard = <T>(p: Promise<T>): Promise<T> => p.catch(edge);

/** A dead-letter filter from its protobuf form. */
export function filterFrom(f: { outcome: Outcome; model: string; deadLetteredAfter?: Timestamp | undefined; deadLetteredBefore?: Timestamp | undefined } | undefined): DeadLetterFilter {
  if (!f) return {};
  return {
    ...(f.outcome !== Outcome.UNSPECIFIED ? { outcome: f.outcome } : {}),
    ...(f.model !== '' ? { model: f.model } : {}),
    ...(f.deadLetteredAfter ? { after: timestampMs(f.deadLetteredAfter) } : {}),
    ...(f.deadLetteredBefore ? { before: timestampMs(f.deadLetteredBefore) } : {}),
  };
}

function targetOf(req: RedriveDeadLetterRequest | PurgeDeadLetterRequest): DeadLetterTarget {
  const t = req.target;
  if (t.case === 'id') {
    if (t.value === '') throw new ConnectError('id: must not be empty', Code.InvalidArgument);
    return { id: t.value };
  }
  if (t.case === 'filter') return { filter: filterFrom(t.value) };
  throw new ConnectError('target: set id (one job) or filter (an empty filter means every dead letter)', Code.InvalidArgument);
}

const needId = (id: string) => {
  if (id === '') throw new ConnectError('id: must not be empty', Code.InvalidArgument);
  return id;
};

/**
 * The job RPCs over `queue`; without a queue (no REDIS_URL) each answers
 * FAILED_PRECONDITION with {@link NO_QUEUE_MESSAGE}.
 */
export function createJobHandlers(queue: JobQueue | undefined): JobHandlers {
  if (!queue) {
    const refuse = (): never => {
      throw new ConnectError(NO_QUEUE_MESSAGE, Code.FailedPrecondition);
    };
    return {
      submitJob: refuse,
      getJob: refuse,
      async *watchJob() {
        refuse();
      },
      cancelJob: refuse,
      listDeadLetters: refuse,
      redriveDeadLetter: refuse,
      purgeDeadLetter: refuse,
    };
  }
  return {
    async submitJob(req) {
      const deadline = req.deadline ? timestampMs(req.deadline) : undefined;
      const { job, created } = await guard(queue.submit(req.request, { deadline }));
      return create(SubmitJobResponseSchema, { job, created });
    },
    async getJob(req) {
      return create(GetJobResponseSchema, { job: await guard(queue.get(needId(req.id))) });
    },
    async *watchJob(req, ctx) {
      try {
        for await (const job of queue.watch(needId(req.id), ctx.signal)) yield create(WatchJobResponseSchema, { job });
      } catch (e) {
        edge(e);
      }
    },
    async cancelJob(req) {
      return create(CancelJobResponseSchema, { job: await guard(queue.cancel(needId(req.id))) });
    },
    async listDeadLetters(req) {
      const page = await guard(queue.listDeadLetters(req.pageSize, req.pageToken, filterFrom(req.filter)));
      return create(ListDeadLettersResponseSchema, page);
    },
    async redriveDeadLetter(req) {
      return create(RedriveDeadLetterResponseSchema, { jobIds: await guard(queue.redrive(targetOf(req))) });
    },
    async purgeDeadLetter(req) {
      return create(PurgeDeadLetterResponseSchema, { jobIds: await guard(queue.purge(targetOf(req))) });
    },
  };
}

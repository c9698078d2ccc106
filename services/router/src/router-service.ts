import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { CompleteResponseSchema, RouterService, StreamCompleteResponseSchema } from '@ultra/contracts/router';
import type { ChatFlow } from './chat-flow.ts';
import { createJobHandlers, type JobHandlers, type WithJobQueue } from './jobs/index.ts';
import type { Guard } from './auth/guard.ts';

const ADMIN_JOB_RPCS = new Set(['listDeadLetters', 'redriveDeadLetter', 'purgeDeadLetter']);

/** Every job RPC needs a valid key; the dead-letter ones an admin key. */
function guardJobs(jobs: JobHandlers, guard: Guard | undefined): JobHandlers {
  if (!guard?.enabled) return jobs;
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(jobs) as [string, (req: unknown, ctx: { requestHeader: Headers }) => unknown][]) {
    out[name] = (req: unknown, ctx: { requestHeader: Headers }) => {
      const auth = ctx.requestHeader.get('authorization');
      if (ADMIN_JOB_RPCS.has(name)) guard.requireAdmin(auth);
      else guard.identify(auth);
      return fn(req, ctx);
    };
  }
  return out as JobHandlers;
}

/**
 * RouterService handlers: the chat flow behind gRPC, Connect and gRPC-Web, and the job
 * RPCs over the queue the flow carries (FAILED_PRECONDITION without one: no REDIS_URL).
 */
export function createRouterService(
  flow: ChatFlow & WithJobQueue,
  jobs: JobHandlers = createJobHandlers(flow.jobQueue),
  guard?: Guard,
): ServiceImpl<typeof RouterService> {
  return {
    ...guardJobs(jobs, guard),
    async complete(req, ctx) {
      const key = guard?.identify(ctx.requestHeader.get('authorization'));
      const admitted = guard && req.request ? await guard.admit(key, req.request, false) : undefined;
      try {
        const answer = await flow.complete(admitted?.request ?? req.request, { signal: ctx.signal, timeoutMs: ctx.timeoutMs(), tenant: admitted?.tenant });
        return create(CompleteResponseSchema, { answer });
      } finally {
        await admitted?.release();
      }
    },
    async *streamComplete(req, ctx) {
      const key = guard?.identify(ctx.requestHeader.get('authorization'));
      const admitted = guard && req.request ? await guard.admit(key, req.request, true) : undefined;
      try {
        for await (const event of flow.stream(admitted?.request ?? req.request, { signal: ctx.signal, timeoutMs: ctx.timeoutMs(), tenant: admitted?.tenant })) {
          yield create(
            StreamCompleteResponseSchema,
            event.type === 'delta'
              ? { event: { case: 'delta', value: { text: event.text } } }
              : { event: { case: 'done', value: event.answer } },
          );
        }
      } finally {
        await admitted?.release();
      }
    },
  };
}

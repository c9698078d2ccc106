import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { CompleteResponseSchema, GetJobRequestSchema, RouterService, StreamCompleteResponseSchema } from '@ultra/contracts/router';
import type { ChatFlow } from './chat-flow.ts';
import type { JobHandlers } from './job-handlers.ts';
import type { Guard } from './auth/guard.ts';
import { callerOf } from './auth/auth-interceptor.ts';

/**
 * Jobs are a tenant's own: a submitted job's idempotency key is prefixed with the tenant,
 * and another tenant asking for it is told it does not exist. (Every job RPC needs a
 * valid key, the dead-letter ones an admin key: the auth interceptor sees to that.)
 */
function tenantJobs(jobs: JobHandlers, guard: Guard | undefined): JobHandlers {
  if (!guard?.enabled) return jobs;
  const tenantOf = (ctx: HandlerContext) => callerOf(ctx, guard)?.tenant ?? '';
  const own = async (id: string, ctx: HandlerContext) => {
    const tenant = tenantOf(ctx);
    const { job } = await jobs.getJob(create(GetJobRequestSchema, { id }), ctx);
    if (!job?.idempotencyKey?.startsWith(`${tenant}/`)) throw new ConnectError(`job ${id} not found`, Code.NotFound);
  };
  return {
    async submitJob(req, ctx) {
      const tenant = tenantOf(ctx);
      if (req.request) req.request.idempotencyKey = `${tenant}/${req.request.idempotencyKey || `auto:${randomUUID()}`}`;
      return jobs.submitJob(req, ctx);
    },
    async getJob(req, ctx) {
      await own(req.id, ctx);
      return jobs.getJob(req, ctx);
    },
    async *watchJob(req, ctx) {
      await own(req.id, ctx);
      yield* jobs.watchJob(req, ctx);
    },
    async cancelJob(req, ctx) {
      await own(req.id, ctx);
      return jobs.cancelJob(req, ctx);
    },
    // (the interceptor let only admin keys this far; without it, no caller: INTERNAL)
    async listDeadLetters(req, ctx) {
      callerOf(ctx, guard);
      return jobs.listDeadLetters(req, ctx);
    },
    async redriveDeadLetter(req, ctx) {
      callerOf(ctx, guard);
      return jobs.redriveDeadLetter(req, ctx);
    },
    async purgeDeadLetter(req, ctx) {
      callerOf(ctx, guard);
      return jobs.purgeDeadLetter(req, ctx);
    },
  };
}

/**
 * RouterService: Complete and StreamComplete through `flow`, the job RPCs through `jobs`
 * (see `createJobHandlers`). The caller's key comes from the auth interceptor's context
 * value; `guard` admits each chat request for it (models, priority ceiling, limits).
 */
export function createRouterService(flow: ChatFlow, jobs: JobHandlers, guard?: Guard): ServiceImpl<typeof RouterService> {
  return {
    ...tenantJobs(jobs, guard),
    async complete(req, ctx) {
      const admitted = guard && req.request ? await guard.admit(callerOf(ctx, guard), req.request, false) : undefined;
      try {
        const answer = await flow.complete(admitted?.request ?? req.request, { signal: ctx.signal, timeoutMs: ctx.timeoutMs(), tenant: admitted?.tenant });
        return create(CompleteResponseSchema, { answer });
      } finally {
        await admitted?.release();
      }
    },
    async *streamComplete(req, ctx) {
      const admitted = guard && req.request ? await guard.admit(callerOf(ctx, guard), req.request, true) : undefined;
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

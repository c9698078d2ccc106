import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { CompleteResponseSchema, RouterService, StreamCompleteResponseSchema } from '@ultra/contracts/router';
import type { ChatFlow } from './chat-flow.ts';
import { createJobHandlers, type JobHandlers, type WithJobQueue } from './jobs/index.ts';

/**
 * RouterService handlers: the chat flow behind gRPC, Connect and gRPC-Web, and the job
 * RPCs over the queue the flow carries (FAILED_PRECONDITION without one: no REDIS_URL).
 */
export function createRouterService(flow: ChatFlow & WithJobQueue, jobs: JobHandlers = createJobHandlers(flow.jobQueue)): ServiceImpl<typeof RouterService> {
  return {
    ...jobs,
    async complete(req, ctx) {
      const answer = await flow.complete(req.request, { signal: ctx.signal, timeoutMs: ctx.timeoutMs() });
      return create(CompleteResponseSchema, { answer });
    },
    async *streamComplete(req, ctx) {
      for await (const event of flow.stream(req.request, { signal: ctx.signal, timeoutMs: ctx.timeoutMs() })) {
        yield create(
          StreamCompleteResponseSchema,
          event.type === 'delta'
            ? { event: { case: 'delta', value: { text: event.text } } }
            : { event: { case: 'done', value: event.answer } },
        );
      }
    },
  };
}

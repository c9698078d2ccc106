import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { CompleteResponseSchema, RouterService, StreamCompleteResponseSchema } from '@ultra/contracts/router';
import type { ChatFlow } from './chat-flow.ts';

/** RouterService handlers: the chat flow behind gRPC, Connect and gRPC-Web. */
export function createRouterService(flow: ChatFlow): ServiceImpl<typeof RouterService> {
  return {
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

import type { ChatAnswer, ChatRequest } from '@ultra/contracts/chat';
import { createComplete } from './flow/complete.ts';
import type { CallOptions, FlowDeps } from './flow/context.ts';
import { createStream, type FlowEvent } from './flow/stream.ts';
import type { FlowMetrics } from './flow-metrics.ts';

export type { CallOptions, FlowDeps } from './flow/context.ts';
export type { FlowEvent } from './flow/stream.ts';

/** The request path shared by the gRPC/Connect and the OpenAI-compatible fronts. */
export function createChatFlow(deps: FlowDeps & { metrics?: FlowMetrics | undefined }) {
  const complete = createComplete(deps);
  const stream = createStream(deps, complete);
  const { metrics, clock } = deps;
  if (!metrics) return { complete, stream };
  return {
    async complete(raw: ChatRequest | undefined, options: CallOptions): Promise<ChatAnswer> {
      const started = clock.now();
      try {
        const answer = await complete(raw, options);
        metrics.answered(answer, (clock.now() - started) / 1000, false);
        return answer;
      } catch (e) {
        metrics.failed(e, (clock.now() - started) / 1000, false);
        throw e;
      }
    },
    async *stream(raw: ChatRequest | undefined, options: CallOptions): AsyncGenerator<FlowEvent> {
      const started = clock.now();
      try {
        for await (const event of stream(raw, options)) {
          if (event.type === 'done') metrics.answered(event.answer, (clock.now() - started) / 1000, true);
          yield event;
        }
      } catch (e) {
        metrics.failed(e, (clock.now() - started) / 1000, true);
        throw e;
      }
    },
  };
}

export type ChatFlow = ReturnType<typeof createChatFlow>;

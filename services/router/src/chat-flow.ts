import type { ChatAnswer, ChatRequest } from '@ultra/contracts/chat';
import { modeName } from '@ultra/runtime';
import { createComplete } from './flow/complete.ts';
import type { CallOptions, FlowDeps } from './flow/context.ts';
import { counted, countedStream } from './flow/in-flight.ts';
import { createStream, type FlowEvent } from './flow/stream.ts';
import type { FlowMetrics } from './flow-metrics.ts';
import { toRpcError } from './rpc-errors.ts';

export type { CallOptions, FlowDeps } from './flow/context.ts';
export type { FlowEvent } from './flow/stream.ts';

/**
 * The request path shared by the gRPC/Connect and the OpenAI-compatible fronts. The cache
 * and agent clients come guarded by their link breakers (links/links.ts, interceptors
 * given to `createServiceClient`), so a dead cache is skipped and a dead agent fails fast.
 */
export function createChatFlow(deps: FlowDeps & { metrics?: FlowMetrics | undefined }) {
  const { metrics, clock, log } = deps;
  const plain = createComplete(deps);
  // Requests in flight, for the overload guard (a stream that falls back to a whole answer counts once).
  const complete = counted(deps.overload, plain);
  const stream = countedStream(deps.overload, createStream(deps, plain));
  if (!metrics) return { complete, stream };
  // One line per request at info: where it went and how it ended, never the prompt or a key.
  const logAnswer = (answer: ChatAnswer, ms: number, streamed: boolean) =>
    log.info(
      { provider: answer.provider, served_from: metrics.servedName(answer), mode: modeName(answer.mode), attempts: answer.attempts.length, ms, stream: streamed },
      'request answered',
    );
  const logFailure = (e: unknown, ms: number, streamed: boolean) =>
    log.info({ error: toRpcError(e).message, ms, stream: streamed }, 'request failed');
  return {
    async complete(raw: ChatRequest | undefined, options: CallOptions): Promise<ChatAnswer> {
      const started = clock.now();
      try {
        const answer = await complete(raw, options);
        const ms = clock.now() - started;
        metrics.answered(answer, ms / 1000, false);
        logAnswer(answer, ms, false);
        return answer;
      } catch (e) {
        const ms = clock.now() - started;
        metrics.failed(e, ms / 1000, false);
        logFailure(e, ms, false);
        throw e;
      }
    },
    async *stream(raw: ChatRequest | undefined, options: CallOptions): AsyncGenerator<FlowEvent> {
      const started = clock.now();
      try {
        for await (const event of stream(raw, options)) {
          if (event.type === 'done') {
            const ms = clock.now() - started;
            metrics.answered(event.answer, ms / 1000, true);
            logAnswer(event.answer, ms, true);
          }
          yield event;
        }
      } catch (e) {
        const ms = clock.now() - started;
        metrics.failed(e, ms / 1000, true);
        logFailure(e, ms, true);
        throw e;
      }
    },
  };
}

export type ChatFlow = ReturnType<typeof createChatFlow>;

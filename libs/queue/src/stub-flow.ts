import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { AttemptSchema, ChatAnswerSchema, Outcome, type ChatAnswer, type ChatRequest } from '@ultra/contracts/chat';
import type { Clock } from '@ultra/core';
import { attemptsError, outcomeFromName } from '@ultra/runtime';
import type { QueueFlow } from './queue-flow.ts';

/**
 * A stand-in for the chat flow with a fixed delay, for the queue's crash and load tests:
 * the queue's guarantees do not depend on what the flow does, and a fixed delay puts every
 * kill in the middle of known work. A request whose last message reads `fail:<outcome>`
 * (e.g. `fail:server_error`) fails with that outcome, as a provider would, every time.
 */
export function createStubFlow(options: { delayMs: number; clock: Clock }): QueueFlow {
  const { delayMs, clock } = options;
  return {
    async complete(request: ChatRequest, { signal }): Promise<ChatAnswer> {
      await new Promise<void>((resolve, reject) => {
        const timer = clock.setTimeout(resolve, delayMs);
        signal.addEventListener('abort', () => (clock.clearTimeout(timer), reject(new ConnectError('the caller cancelled the request', Code.Canceled))), { once: true });
      });
      const text = request.messages.at(-1)?.content ?? '';
      const failing = /^fail:([a-z_]+)/.exec(text)?.[1];
      if (failing) {
        const outcome = outcomeFromName(failing) ?? Outcome.SERVER_ERROR;
        const attempt = create(AttemptSchema, { provider: 'stub', model: 'stub-1', outcome, latencyMs: delayMs, detail: `stub: ${failing}` });
        throw attemptsError(`no provider could answer after 1 attempt(s): stub: ${failing}`, outcome, [attempt]);
      }
      const ok = create(AttemptSchema, { provider: 'stub', model: 'stub-1', outcome: Outcome.OK, latencyMs: delayMs });
      return create(ChatAnswerSchema, { id: `stub-${request.idempotencyKey}`, text: `answer to ${text}`, provider: 'stub', model: 'stub-1', attempts: [ok] });
    },
  };
}

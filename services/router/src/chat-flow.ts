import { createComplete } from './flow/complete.ts';
import type { FlowDeps } from './flow/context.ts';
import { createStream } from './flow/stream.ts';

export type { CallOptions, FlowDeps } from './flow/context.ts';
export type { FlowEvent } from './flow/stream.ts';

/** The request path shared by the gRPC/Connect and the OpenAI-compatible fronts. */
export function createChatFlow(deps: FlowDeps) {
  const complete = createComplete(deps);
  return { complete, stream: createStream(deps, complete) };
}

export type ChatFlow = ReturnType<typeof createChatFlow>;

import type { ChatAnswer, ChatRequest } from '@ultra/contracts/chat';
import { modeName } from '@ultra/runtime';
import { createComplete } from './flow/complete.ts';
import type { CallOptions, FlowDeps } from './flow/context.ts';
import { createStream, type FlowEvent } from './flow/stream.ts';
import type { FlowMetrics } from './flow-metrics.ts';
import { guardAgent } from './links/guarded-agent.ts';
import { guardCache } from './links/guarded-cache.ts';
import { createLinkBreaker, type LinkBreaker, type LinkBreakerOptions } from './links/link-breaker.ts';

export type { CallOptions, FlowDeps } from './flow/context.ts';
export type { FlowEvent } from './flow/stream.ts';

/** Breakers on the router's links to the cache and the provider-agent ({@link LinkBreakerOptions}; the agent's opens for 500 ms, the cache's for 1 s). */
/** How long the agent link stays open before a trial call, ms. */
export const AGENT_LINK_OPEN_MS = 500;

export interface LinkOptions {
  cache?: Partial<LinkBreakerOptions>;
  agent?: Partial<LinkBreakerOptions>;
  /** The breaker on the agent link, when the caller holds it too (main.ts closes it on each WatchProviders message). */
  agentBreaker?: LinkBreaker;
}

/**
 * The request path shared by the gRPC/Connect and the OpenAI-compatible fronts. The
 * cache and agent clients go through link breakers (links/), so a dead cache is skipped
 * and a dead agent fails fast instead of being dialled on every request.
 */
export function createChatFlow(deps: FlowDeps & { metrics?: FlowMetrics | undefined; links?: LinkOptions | undefined }) {
  const { metrics, clock, log } = deps;
  const watch = (service: string, breaker: LinkBreaker) =>
    breaker.onChange((state) =>
      state === 'open'
        ? log.warn({ service, retry_in_ms: breaker.openUntil - clock.now() }, `${service} unreachable: link breaker open, going on without it`)
        : log.info({ service, state }, `${service} link breaker ${state}`),
    );
  const cacheBreaker = createLinkBreaker(deps.links?.cache ?? {}, clock);
  const agentBreaker = deps.links?.agentBreaker ?? createLinkBreaker({ openMs: AGENT_LINK_OPEN_MS, ...deps.links?.agent }, clock);
  watch('cache', cacheBreaker);
  watch('provider-agent', agentBreaker);
  const linked: FlowDeps = { ...deps, cache: guardCache(deps.cache, cacheBreaker, clock), agent: guardAgent(deps.agent, agentBreaker, clock) };
  const complete = createComplete(linked);
  const stream = createStream(linked, complete);
  if (!metrics) return { complete, stream };
  // One line per request at info: where it went and how it ended, never the prompt or a key.
  const logAnswer = (answer: ChatAnswer, ms: number, streamed: boolean) =>
    log.info(
      { provider: answer.provider, served_from: metrics.servedName(answer), mode: modeName(answer.mode), attempts: answer.attempts.length, ms, stream: streamed },
      'request answered',
    );
  const logFailure = (e: unknown, ms: number, streamed: boolean) =>
    log.info({ error: (e as Error).message, ms, stream: streamed }, 'request failed');
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

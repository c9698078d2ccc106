import type { CallOptions, Client } from '@connectrpc/connect';
import type { ProviderAgentService, StreamInvokeRequest, StreamInvokeResponse } from '@ultra/contracts/provider-agent';
import type { Clock } from '@ultra/core';
import type { LinkBreaker, LinkPermit } from './link-breaker.ts';
import { judgeLinkError, LinkDownError, linkFailure } from './link-errors.ts';

type AgentClient = Client<typeof ProviderAgentService>;

/** Options of {@link guardAgent}. */
export interface AgentLinkOptions {
  /** First wait before a call cut by the link is tried again on a new connection, ms; doubles each time. Default 20. */
  retryBaseMs: number;
  /** No new try starts this long after the call's first one, ms. Default 400. */
  retryWindowMs: number;
}

export const defaultAgentLinkOptions: AgentLinkOptions = Object.freeze({ retryBaseMs: 20, retryWindowMs: 400 });

const SERVICE = 'provider-agent';

function wait(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The router's client of the provider-agent behind a {@link LinkBreaker}:
 *
 * - a call cut by the link (refused, reset, the connection dropped) before the agent
 *   answered is tried again on a new connection after 20, 40, 80… ms, for up to
 *   `retryWindowMs` and within the caller's deadline, so that a blip costs a few tens of
 *   milliseconds rather than the request (the agent may have started the provider call:
 *   a retry costs what a failover would);
 * - a call whose tries all failed counts against the breaker, and while the last call
 *   failed, calls are not retried (a dead agent costs one refused dial per call, not a
 *   retry window); once the breaker opens, calls fail
 *   at once with {@link LinkDownError} (`UNAVAILABLE`), so the request path goes straight
 *   to the cache, the queue or a clear 503 instead of dialling a dead agent per attempt;
 *   one trial call every `openMs` finds the agent when it is back;
 * - a cut reported as `CANCELED` (HTTP/2 RST_STREAM when the session dies) becomes
 *   `UNAVAILABLE`: the caller did not cancel, and a failover may still answer.
 */
export function guardAgent(agent: AgentClient, breaker: LinkBreaker, clock: Clock, options: Partial<AgentLinkOptions> = {}): AgentClient {
  const o = { ...defaultAgentLinkOptions, ...options };

  /** Runs `call` until the agent answers, the retry window or the deadline ends, or the breaker opens. */
  async function guarded<T>(callOptions: CallOptions | undefined, call: (o: CallOptions) => Promise<T>): Promise<T> {
    const permit = breaker.tryStart();
    if (!permit) throw new LinkDownError(SERVICE, breaker.openUntil - clock.now());
    const started = clock.now();
    // Retries are for a link last seen well (a blip); once calls are failing, each fails on its first try.
    const retrying = !breaker.suspect;
    const deadlineAt = callOptions?.timeoutMs === undefined ? Number.POSITIVE_INFINITY : started + callOptions.timeoutMs;
    const signal = callOptions?.signal;
    let delay = o.retryBaseMs;
    for (;;) {
      const left = deadlineAt - clock.now();
      try {
        const value = await call({ ...callOptions, ...(Number.isFinite(left) ? { timeoutMs: Math.max(1, left) } : {}) });
        permit.success();
        return value;
      } catch (e) {
        const verdict = judgeLinkError(e, signal, false);
        if (verdict !== 'failed') {
          end(permit, verdict);
          throw e;
        }
        const now = clock.now();
        if (!retrying || now - started + delay > o.retryWindowMs || now + delay >= deadlineAt || breaker.state === 'open') {
          permit.failure();
          throw linkFailure(SERVICE, e);
        }
        await wait(clock, delay, signal);
        delay *= 2;
        if (signal?.aborted) {
          permit.neutral();
          throw linkFailure(SERVICE, e);
        }
      }
    }
  }

  async function* streamInvoke(request: Parameters<AgentClient['streamInvoke']>[0], callOptions?: CallOptions): AsyncGenerator<StreamInvokeResponse> {
    // Only the opening of the stream is retried: once the first event is out, a cut is the
    // stream's own failure, which the request path reports.
    let iterator: AsyncIterator<StreamInvokeResponse> | undefined;
    const first = await guarded(callOptions, async (o) => {
      const it = agent.streamInvoke(request as StreamInvokeRequest, o)[Symbol.asyncIterator]();
      const r = await it.next();
      iterator = it;
      return r;
    });
    try {
      if (first.done) return;
      yield first.value;
      for (;;) {
        const r = await iterator!.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      // A consumer that stops early cancels the call below.
      await iterator?.return?.();
    }
  }

  return {
    ...agent,
    invoke: (request, callOptions) => guarded(callOptions, (o) => agent.invoke(request, o)),
    streamInvoke,
  } as AgentClient;
}

function end(permit: LinkPermit, verdict: 'answered' | 'neutral'): void {
  if (verdict === 'answered') permit.success();
  else permit.neutral();
}

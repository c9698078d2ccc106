import { create } from '@bufbuild/protobuf';
import { UnavailableError } from '@ultra/core';
import { AttemptSchema, Outcome, type Attempt, type ChatRequest } from '@ultra/contracts/chat';
import type { StreamInvokeResponse } from '@ultra/contracts/provider-agent';
import { streamTimeoutsFor } from '@ultra/config';
import type { Candidate } from '../candidates.ts';
import { agentRetryWait, remaining, type FlowDeps, type Prepared } from './context.ts';
import { attemptsFromError } from './failures.ts';
import type { StartAttempt } from './launch.ts';
import { isStreamTimeoutError, withStreamTimeouts } from './stream-timeouts.ts';

/** A stream that has produced its first event: that event, and the rest to read. */
export interface StreamStart {
  readonly first: StreamInvokeResponse;
  readonly it: AsyncIterator<StreamInvokeResponse>;
}

/**
 * The attempts a stream failure reports: a router timeout (first token, idle gap) is
 * TIMEOUT, or STREAM_BROKEN once anything of the answer was sent (`broken`); anything
 * else what the agent said.
 */
export function streamFailure(deps: FlowDeps, c: Candidate, e: unknown, startedAt: number, broken: boolean): Attempt[] {
  const latencyMs = deps.clock.now() - startedAt;
  if (!isStreamTimeoutError(e)) return attemptsFromError(c, e, latencyMs);
  return [create(AttemptSchema, { provider: c.provider, model: c.model, outcome: broken ? Outcome.STREAM_BROKEN : Outcome.TIMEOUT, latencyMs, detail: e.message })];
}

/**
 * A stream's attempt: the agent's stream for one candidate under the provider's
 * first-token and idle timeouts, started once its first event arrives. `broken`: part of
 * the answer was sent already (this attempt resumes it), so a timeout is STREAM_BROKEN.
 */
export function streamAttempt(deps: FlowDeps, p: Prepared, request: ChatRequest, broken: boolean): StartAttempt<StreamStart> {
  return async (c, abort, more) => {
    const { clock } = deps;
    const started = clock.now();
    const timeouts = streamTimeoutsFor(deps.config, c.provider);
    try {
      const maxRetryWaitMs = agentRetryWait(deps, more);
      const source = deps.agent.streamInvoke({ provider: c.provider, model: c.model, request, maxRetryWaitMs }, { signal: abort.signal, timeoutMs: Math.max(1, remaining(deps, p)) });
      const events = withStreamTimeouts<StreamInvokeResponse>(source, {
        clock,
        abort,
        firstMs: timeouts.firstTokenTimeoutMs,
        idleMs: timeouts.idleTimeoutMs,
        isToken: (e) => e.event.case === 'delta',
      });
      const it = events[Symbol.asyncIterator]();
      const step = await it.next();
      if (step.done) throw new UnavailableError(`${c.provider} ended the stream without finishing it`, 0);
      return { ok: true, value: { first: step.value, it }, close: () => void it.return?.(undefined) };
    } catch (e) {
      return { ok: false, attempts: streamFailure(deps, c, e, started, broken) };
    }
  };
}

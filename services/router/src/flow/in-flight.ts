import { type ChatAnswer, type ChatRequest, Outcome, ServedFrom } from '@ultra/contracts/chat';
import { priorityOf } from './admission.ts';
import type { OverloadGuard } from './overload-guard.ts';

/**
 * The provider's own time in an answer that one successful provider call produced, else
 * `undefined`: a failover, a retry or a cache hit also spends time waiting (a backoff, a
 * lease) that is not Ultra's load, so only the plain case measures what Ultra adds.
 */
export function providerTimeOf(answer: ChatAnswer): number | undefined {
  const [only, ...more] = answer.attempts;
  return answer.servedFrom === ServedFrom.PROVIDER && only?.outcome === Outcome.OK && more.length === 0 ? only.latencyMs : undefined;
}

/** `fn`, with each call counted in the guard's requests in flight (by its priority) until it settles, and what Ultra added to its answer measured. */
export function counted<A extends unknown[]>(guard: OverloadGuard | undefined, fn: (raw: ChatRequest | undefined, ...rest: A) => Promise<ChatAnswer>): (raw: ChatRequest | undefined, ...rest: A) => Promise<ChatAnswer> {
  if (!guard) return fn;
  return async (raw, ...rest) => {
    const leave = guard.enter(priorityOf(raw));
    let providerMs: number | undefined;
    try {
      const answer = await fn(raw, ...rest);
      providerMs = providerTimeOf(answer);
      return answer;
    } finally {
      leave(providerMs);
    }
  };
}

/** The same for a stream: counted until it ends or its reader stops. */
export function countedStream<A extends unknown[], E>(guard: OverloadGuard | undefined, fn: (raw: ChatRequest | undefined, ...rest: A) => AsyncGenerator<E>): (raw: ChatRequest | undefined, ...rest: A) => AsyncGenerator<E> {
  if (!guard) return fn;
  return async function* (raw, ...rest) {
    const leave = guard.enter(priorityOf(raw));
    try {
      yield* fn(raw, ...rest);
    } finally {
      leave();
    }
  };
}

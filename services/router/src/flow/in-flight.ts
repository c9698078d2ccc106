import { type ChatAnswer, Outcome, ServedFrom } from '@ultra/contracts/chat';
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

/** `fn`, with each call counted in the guard's requests in flight until it settles (and what Ultra added to its answer measured). */
export function counted<A extends unknown[]>(guard: OverloadGuard | undefined, fn: (...args: A) => Promise<ChatAnswer>): (...args: A) => Promise<ChatAnswer> {
  if (!guard) return fn;
  return async (...args) => {
    const leave = guard.enter();
    let providerMs: number | undefined;
    try {
      const answer = await fn(...args);
      providerMs = providerTimeOf(answer);
      return answer;
    } finally {
      leave(providerMs);
    }
  };
}

/** The same for a stream: counted until it ends or its reader stops. */
export function countedStream<A extends unknown[], E>(guard: OverloadGuard | undefined, fn: (...args: A) => AsyncGenerator<E>): (...args: A) => AsyncGenerator<E> {
  if (!guard) return fn;
  return async function* (...args) {
    const leave = guard.enter();
    try {
      yield* fn(...args);
    } finally {
      leave();
    }
  };
}

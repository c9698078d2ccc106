import type { OverloadGuard } from './overload-guard.ts';

/** `fn`, with each call counted in the guard's requests in flight until it settles. */
export function counted<A extends unknown[], R>(guard: OverloadGuard | undefined, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  if (!guard) return fn;
  return async (...args) => {
    const leave = guard.enter();
    try {
      return await fn(...args);
    } finally {
      leave();
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

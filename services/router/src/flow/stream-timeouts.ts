import type { Clock } from '@ultra/core';

/** Why a stream was cut by the router. */
export class StreamTimeoutError extends Error {
  constructor(
    readonly kind: 'first-token' | 'idle',
    readonly afterMs: number,
  ) {
    super(kind === 'first-token' ? `no first token within ${afterMs} ms` : `no token for ${afterMs} ms`);
    this.name = 'StreamTimeoutError';
  }
}

export const isStreamTimeoutError = (e: unknown): e is StreamTimeoutError => e instanceof StreamTimeoutError;

/**
 * Passes `source` through, failing with {@link StreamTimeoutError} (and aborting `abort`)
 * when the first item takes longer than `firstMs`, or a gap between items longer than
 * `idleMs`. `isToken` says which items count as tokens.
 */
export async function* withStreamTimeouts<T>(
  source: AsyncIterable<T>,
  options: { clock: Clock; firstMs: number; idleMs: number; abort: AbortController; isToken: (item: T) => boolean },
): AsyncGenerator<T> {
  const { clock, abort } = options;
  const it = source[Symbol.asyncIterator]();
  let seenToken = false;
  try {
    for (;;) {
      const limit = seenToken ? options.idleMs : options.firstMs;
      let timer: unknown;
      const timeout = new Promise<never>((_, reject) => {
        timer = clock.setTimeout(() => {
          const err = new StreamTimeoutError(seenToken ? 'idle' : 'first-token', limit);
          abort.abort(err);
          reject(err);
        }, limit);
      });
      let next: IteratorResult<T>;
      try {
        next = await Promise.race([it.next(), timeout]);
      } finally {
        clock.clearTimeout(timer);
      }
      if (next.done) return;
      if (options.isToken(next.value)) seenToken = true;
      yield next.value;
    }
  } finally {
    void it.return?.();
  }
}

/** Runs async sections one at a time, in call order. */
export interface Mutex {
  /** Runs `fn` once every section started before it has settled; passes its result through. */
  run<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * Creates a {@link Mutex}. The Go server holds a lock for each proxy and each toxic
 * collection while it rewires running connections; this plays the same part.
 */
export function createMutex(): Mutex {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      const result = tail.then(fn, fn);
      tail = result.catch(() => undefined);
      return result;
    },
  };
}

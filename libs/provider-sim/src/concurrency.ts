import type { ServerResponse } from 'node:http';

/** Chat requests in flight per provider, for the `maxConcurrent` fault. */
export function createConcurrencyBook() {
  const counts = new Map<string, number>();
  return {
    /** Counts a request in until its response closes; returns how many are in flight, itself included. */
    enter(name: string, res: ServerResponse): number {
      const n = (counts.get(name) ?? 0) + 1;
      counts.set(name, n);
      res.once('close', () => counts.set(name, (counts.get(name) ?? 1) - 1));
      return n;
    },
  };
}

export type ConcurrencyBook = ReturnType<typeof createConcurrencyBook>;

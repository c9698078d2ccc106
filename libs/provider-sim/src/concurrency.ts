import type { ServerResponse } from 'node:http';

/** What `GET /_sim/concurrency` answers: chat requests in flight per provider now, and the most at once since the last reset. */
export interface ConcurrencyStats {
  providers: Record<string, { inFlight: number; peak: number }>;
}

/** Chat requests in flight per provider, for the `maxConcurrent` fault and `GET /_sim/concurrency`. */
export function createConcurrencyBook() {
  const counts = new Map<string, { inFlight: number; peak: number }>();
  return {
    /** Counts a request in until its response closes; returns how many are in flight, itself included. */
    enter(name: string, res: ServerResponse): number {
      const c = counts.get(name) ?? { inFlight: 0, peak: 0 };
      counts.set(name, c);
      c.inFlight++;
      c.peak = Math.max(c.peak, c.inFlight);
      res.once('close', () => c.inFlight--);
      return c.inFlight;
    },
    snapshot: (): ConcurrencyStats => ({ providers: Object.fromEntries([...counts].map(([name, c]) => [name, { ...c }])) }),
    /** Peaks start again from what is in flight now. */
    reset() {
      for (const c of counts.values()) c.peak = c.inFlight;
    },
  };
}

export type ConcurrencyBook = ReturnType<typeof createConcurrencyBook>;

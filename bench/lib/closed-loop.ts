import type { Recorder } from './samples.ts';

/** One request of a load run: resolves when the whole answer is in, throws when it failed. `i` counts from 0. */
export type Fire = (i: number) => Promise<unknown>;

export interface LoadOptions {
  /** Requests in flight at every moment (closed loop: each worker sends its next request when the last one is answered). */
  concurrency: number;
  /** Stop after this many requests were sent (default: no limit; set this or `durationMs`). */
  total?: number;
  /** Stop sending after this many ms (default: no limit). */
  durationMs?: number;
  /** Latency of each successful request, in ms. */
  ok: Recorder;
  /** Latency of each failed request, in ms (default: not kept). */
  failed?: Recorder;
}

export interface LoadResult {
  completed: number;
  errors: number;
  /** Wall time from the first request sent to the last answer, in ms. */
  elapsedMs: number;
  /** Up to five distinct error messages. */
  errorSamples: string[];
}

/**
 * Drives `fire` in a closed loop at a fixed concurrency and records every latency
 * (performance.now() around each call). In-flight requests are always awaited.
 */
export async function closedLoop(fire: Fire, options: LoadOptions): Promise<LoadResult> {
  const total = options.total ?? Number.POSITIVE_INFINITY;
  if (!Number.isFinite(total) && options.durationMs === undefined) throw new RangeError('closedLoop needs total or durationMs');
  const start = performance.now();
  const stopAt = options.durationMs === undefined ? Number.POSITIVE_INFINITY : start + options.durationMs;
  let issued = 0;
  let completed = 0;
  let errors = 0;
  const errorSamples = new Set<string>();
  const worker = async () => {
    while (issued < total && performance.now() < stopAt) {
      const i = issued++;
      const t0 = performance.now();
      try {
        await fire(i);
        options.ok.add(performance.now() - t0);
        completed++;
      } catch (e) {
        options.failed?.add(performance.now() - t0);
        errors++;
        if (errorSamples.size < 5) errorSamples.add(e instanceof Error ? e.message : String(e));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return { completed, errors, elapsedMs: performance.now() - start, errorSamples: [...errorSamples] };
}

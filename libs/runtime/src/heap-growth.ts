import { setFlagsFromString } from 'node:v8';

/**
 * V8's flag for `services.heap_growth`: the heap may grow to `ratio` × what the last full
 * collection left live before the next one (`--heap-growing-percent`); `undefined` for 0,
 * which leaves V8 to choose.
 */
export function heapGrowthFlag(ratio: number): string | undefined {
  return ratio === 0 ? undefined : `--heap-growing-percent=${Math.round((ratio - 1) * 100)}`;
}

/**
 * Applies `services.heap_growth` to this process. V8 reads the factor each time it sets the
 * next collection's limit, so it takes effect from the next full collection on, and it
 * works wherever the process was started from (NODE_OPTIONS does not accept this flag).
 */
export function useHeapGrowth(ratio: number): void {
  const flag = heapGrowthFlag(ratio);
  if (flag) setFlagsFromString(flag);
}

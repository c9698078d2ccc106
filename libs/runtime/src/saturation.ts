import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** One reading of this process's own saturation. */
export interface SaturationSample {
  /** p99 event-loop delay since the last reading. Milliseconds. */
  readonly eventLoopDelayMs: number;
  /** Share of V8's heap limit in use, 0..1. */
  readonly heapUsed: number;
  /** Resident set size. Bytes. */
  readonly rssBytes: number;
  /** CPU this process used since the last reading, in cores (1 = one core all the time). */
  readonly cpuCores: number;
}

/** Reads saturation; each `sample()` covers the time since the previous one. */
export interface SaturationProbe {
  sample(): SaturationSample;
  stop(): void;
}

/** The process's own probe, on Node's event-loop delay histogram (10 ms resolution), its CPU time and V8's heap statistics. */
export function createSaturationProbe(): SaturationProbe {
  const h: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let cpu = process.cpuUsage();
  let at = performance.now();
  return {
    sample() {
      const used = process.cpuUsage(cpu);
      cpu = process.cpuUsage();
      const now = performance.now();
      const cpuCores = (used.user + used.system) / 1000 / Math.max(1, now - at);
      at = now;
      // The histogram counts the timer's own resolution in; take it off.
      const p99 = h.count > 0 ? Math.max(0, h.percentile(99) / 1e6 - 10) : 0;
      h.reset();
      const heap = getHeapStatistics();
      return { eventLoopDelayMs: p99, heapUsed: heap.used_heap_size / heap.heap_size_limit, rssBytes: process.memoryUsage.rss(), cpuCores };
    },
    stop: () => h.disable(),
  };
}

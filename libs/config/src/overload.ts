import { z } from 'zod';

/**
 * `overload:` — when Ultra itself is the bottleneck. Each service samples its own
 * saturation every `sample_every`: event-loop delay (p99 over the sample, while the process
 * itself is busy), requests in flight, and V8 heap in use; any one above its bound counts
 * as saturated. The router also measures the latency Ultra adds to each answer and lets
 * fewer requests in at once while it is over `added_latency`. The router then
 * sheds by priority (batch, then low, then normal; high last), and the health service's
 * `resource_constraints` rule steps the mode down. See docs/failover.md.
 */
export const overloadSchema = (duration: z.ZodType<number, string>) =>
  z
    .strictObject({
      event_loop_delay: duration.default(50),
      busy_cpu: z.number().min(0).default(0.25),
      max_in_flight: z.number().int().min(0).default(4096),
      added_latency: duration.default(25),
      min_in_flight: z.number().int().min(1).default(16),
      max_heap: z.number().gt(0).max(1).default(0.9),
      sample_every: duration.default(100),
      retry_after: duration.default(1_000),
    })
    .prefault({});

/** Ultra's own saturation bounds (durations in ms). */
export interface OverloadConfig {
  /** p99 event-loop delay over one sample above this is saturation, while the process is busy (`busyCpu`). Default 50 ms. */
  readonly eventLoopDelayMs: number;
  /**
   * A slow event loop counts only while this process uses at least this much CPU, in cores:
   * a loop slowed by other processes on a starved machine is not Ultra's own load, and
   * shedding would not help it. Default 0.25.
   */
  readonly busyCpu: number;
  /** Requests in the router at once above this is saturation (and the hard cap for all but `high`); 0: no bound. Default 4096. */
  readonly maxInFlight: number;
  /**
   * The latency Ultra may add to an answer (its time in the router, cache and agent, less the
   * provider's call), as the median over a sample. Above it, the router lets fewer requests in
   * at once (all but high), down to `minInFlight`; at or under it, more, up to `maxInFlight`.
   * Default 25 ms: a few times what Ultra adds unloaded (about 3 ms in one process, 10 ms
   * split), low enough that high priority beside a flood stays within 3× its unloaded p99.
   */
  readonly addedLatencyMs: number;
  /**
   * The floor of that limit, and where it starts (it doubles from there while answers stay
   * fast). While high or normal requests are in flight beside low ones, the limit may go
   * below it, down to 1 (strict priority). Default 16.
   */
  readonly minInFlight: number;
  /** Share of V8's heap limit in use above this is saturation. Default 0.9. */
  readonly maxHeap: number;
  /** How often saturation is sampled. Default 100 ms. */
  readonly sampleEveryMs: number;
  /** The Retry-After of a shed request. Default 1 s. */
  readonly retryAfterMs: number;
}

export function resolveOverload(o: z.output<ReturnType<typeof overloadSchema>>): OverloadConfig {
  return { eventLoopDelayMs: o.event_loop_delay, busyCpu: o.busy_cpu, maxInFlight: o.max_in_flight, addedLatencyMs: o.added_latency, minInFlight: o.min_in_flight, maxHeap: o.max_heap, sampleEveryMs: o.sample_every, retryAfterMs: o.retry_after };
}

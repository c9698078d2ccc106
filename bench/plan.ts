/** A measured phase: rounds of blocks, each block `perBlock(c)` requests per path or `blockMs`, whichever ends first. */
export interface Rounds {
  concurrency: number[];
  rounds: number;
  perBlock: (c: number) => number;
  blockMs: number;
}

/**
 * How much each phase does. Counts are the aim; the time caps keep a run within its
 * budget on a busy machine (the figures then rest on fewer samples, and say how many).
 * `quick` checks that everything works in under 2 minutes; `full` stays under 10.
 */
export interface Plan {
  mode: 'quick' | 'full';
  /** Requests over every path before anything is measured (JIT, pools, caches), and a time cap. */
  warmup: { requests: number; maxMs: number };
  miss: Rounds;
  stream: Rounds;
  hits: Rounds & { populateMaxMs: number };
  /**
   * `requests` after a warm-up, at `concurrency`; RSS read after each `chunk`; `maxMs` caps
   * the whole soak; the two readings that are compared come after `settleMs` without load.
   */
  soak: { warmup: number; requests: number; chunk: number; concurrency: number; maxMs: number; settleMs: number };
  /** Load on the profiled router: warm-up (not counted), then `durationMs` profiled. */
  profile: { warmupMs: number; durationMs: number; concurrency: number };
  /** One call at a time per transport, in rounds. */
  rpc: { rounds: number; perBlock: number; blockMs: number };
  failover: { durationMs: number; concurrency: number; deadlineMs: number };
  /** Whole answers and streams at once on realistic latency: `warmupMs` not counted, then `durationMs` measured. */
  hedging: { concurrency: { plain: number; stream: number }; warmupMs: number; durationMs: number };
}

export const QUICK: Plan = {
  mode: 'quick',
  warmup: { requests: 3_000, maxMs: 4_000 },
  miss: { concurrency: [1, 16, 64], rounds: 2, perBlock: (c) => (c === 1 ? 300 : 800), blockMs: 700 },
  stream: { concurrency: [1, 16], rounds: 2, perBlock: (c) => (c === 1 ? 150 : 400), blockMs: 500 },
  hits: { concurrency: [1, 16], rounds: 2, perBlock: (c) => (c === 1 ? 300 : 800), blockMs: 350, populateMaxMs: 3_000 },
  soak: { warmup: 3_000, requests: 20_000, chunk: 5_000, concurrency: 64, maxMs: 10_000, settleMs: 1_000 },
  profile: { warmupMs: 1_500, durationMs: 4_000, concurrency: 16 },
  rpc: { rounds: 2, perBlock: 1_000, blockMs: 500 },
  failover: { durationMs: 5_000, concurrency: 16, deadlineMs: 5_000 },
  hedging: { concurrency: { plain: 8, stream: 4 }, warmupMs: 8_000, durationMs: 10_000 },
};

export const FULL: Plan = {
  mode: 'full',
  warmup: { requests: 30_000, maxMs: 20_000 },
  miss: { concurrency: [1, 16, 64], rounds: 4, perBlock: (c) => (c === 1 ? 1_200 : 2_500), blockMs: 3_000 },
  stream: { concurrency: [1, 16], rounds: 3, perBlock: (c) => (c === 1 ? 500 : 1_500), blockMs: 2_000 },
  hits: { concurrency: [1, 16], rounds: 3, perBlock: (c) => (c === 1 ? 1_000 : 2_500), blockMs: 1_200, populateMaxMs: 12_000 },
  soak: { warmup: 10_000, requests: 100_000, chunk: 10_000, concurrency: 64, maxMs: 165_000, settleMs: 8_000 },
  profile: { warmupMs: 5_000, durationMs: 20_000, concurrency: 16 },
  rpc: { rounds: 3, perBlock: 3_000, blockMs: 2_500 },
  failover: { durationMs: 15_000, concurrency: 16, deadlineMs: 5_000 },
  hedging: { concurrency: { plain: 32, stream: 16 }, warmupMs: 20_000, durationMs: 60_000 },
};

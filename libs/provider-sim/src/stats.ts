/** Counts for one simulated provider. */
export interface ProviderStats {
  /** Every request that reached one of the provider's paths, probes included. */
  requests: number;
  /** Of those, model-list calls (what adapters use for health probes). */
  probes: number;
  /** Requests answered with an injected fault (error status, hang, closed connection, ...). */
  faults: number;
  /** Requests per path template, for example `/v1/chat/completions` or `/v1beta/models/{model}:generateContent`. */
  byPath: Record<string, number>;
  /** Text chunks written to streams so far. */
  chunksWritten: number;
}

/** What `GET /_sim/stats` answers. */
export interface SimStats {
  providers: Record<string, ProviderStats>;
}

/** The simulator's counters. */
export function createStatsBook() {
  let providers = new Map<string, ProviderStats>();
  const entry = (name: string): ProviderStats => {
    let s = providers.get(name);
    if (!s) {
      s = { requests: 0, probes: 0, faults: 0, byPath: {}, chunksWritten: 0 };
      providers.set(name, s);
    }
    return s;
  };
  return {
    request(name: string, template: string, probe: boolean): void {
      const s = entry(name);
      s.requests++;
      if (probe) s.probes++;
      s.byPath[template] = (s.byPath[template] ?? 0) + 1;
    },
    fault(name: string): void {
      entry(name).faults++;
    },
    chunk(name: string): void {
      entry(name).chunksWritten++;
    },
    snapshot(): SimStats {
      const out: Record<string, ProviderStats> = {};
      for (const [name, s] of providers) out[name] = { ...s, byPath: { ...s.byPath } };
      return { providers: out };
    },
    reset(): void {
      providers = new Map();
    },
  };
}

export type StatsBook = ReturnType<typeof createStatsBook>;

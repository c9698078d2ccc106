/**
 * The attempts of one provider still waiting for their first token, so that they can be
 * rescued at once when the provider is found sick (its breaker opens, a health probe
 * fails): each is cut and fails over to the next candidate instead of waiting out its
 * first-token timeout on a provider that is known not to answer.
 */
export interface WaitingCalls {
  /** Adds a waiting attempt; `rescue(detail)` cuts it. Returns the function that takes it off again (first token, or the end). */
  add(rescue: (detail: string) => void): () => void;
  /** Cuts every waiting attempt, saying why; returns how many there were. */
  rescueAll(detail: string): number;
  /** Attempts waiting now. */
  readonly size: number;
}

export function createWaitingCalls(): WaitingCalls {
  const waiting = new Set<(detail: string) => void>();
  return {
    add(rescue) {
      waiting.add(rescue);
      return () => void waiting.delete(rescue);
    },
    rescueAll(detail) {
      const now = [...waiting];
      waiting.clear();
      for (const rescue of now) rescue(detail);
      return now.length;
    },
    get size() {
      return waiting.size;
    },
  };
}

/**
 * A per-request cap on attempts, shared by every layer that retries or fails over for
 * that one request, so that agent retries times router failovers cannot multiply.
 */
export interface AttemptLimit {
  /** Counts an attempt and returns true, or returns false when the limit is reached. */
  tryStart(): boolean;
  /** Attempts started. */
  readonly used: number;
  /** Attempts still allowed. */
  readonly remaining: number;
}

/**
 * @param maxAttempts attempts in all for the request, the first one included; integer ≥ 1
 * @param used attempts already spent elsewhere (e.g. reported by a lower hop); default 0
 */
export function createAttemptLimit(maxAttempts: number, used = 0): AttemptLimit {
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts must be an integer ≥ 1, got ${maxAttempts}`);
  let count = used;
  return {
    tryStart() {
      if (count >= maxAttempts) return false;
      count++;
      return true;
    },
    get used() {
      return count;
    },
    get remaining() {
      return Math.max(0, maxAttempts - count);
    },
  };
}

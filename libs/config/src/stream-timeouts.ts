import type { UltraConfig } from './types.ts';

/** A provider's stream timeouts, ms. */
export interface StreamTimeouts {
  /**
   * Longest wait for the first token (`failover.first_token_timeout`, per endpoint too), for
   * streams and whole answers alike (the agent streams those from the provider too).
   * Default 15000; set it per endpoint for reasoning models, which think before the first
   * token. A hang is found sooner than this, by the breaker's slow wait and the rescue.
   */
  readonly firstTokenTimeoutMs: number;
  /** Longest silence between tokens once streaming (`failover.idle_timeout`, per endpoint too). Default 30000. */
  readonly idleTimeoutMs: number;
}

/** The stream timeouts that ship. */
export const DEFAULT_STREAM_TIMEOUTS: StreamTimeouts = Object.freeze({ firstTokenTimeoutMs: 15_000, idleTimeoutMs: 30_000 });

/** Provider `name`'s stream timeouts: its endpoint's, else `failover:`'s; the defaults for a name the config does not know. */
export function streamTimeoutsFor(config: Pick<UltraConfig, 'providers'>, name: string): StreamTimeouts {
  const p = config.providers[name];
  return p ? { firstTokenTimeoutMs: p.firstTokenTimeoutMs, idleTimeoutMs: p.idleTimeoutMs } : DEFAULT_STREAM_TIMEOUTS;
}

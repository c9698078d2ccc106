import type { Clock } from '@ultra/core';
import { parseBreakerSnapshot, type BreakerSnapshot } from '@ultra/resilience';
import type { Redis } from 'ioredis';
import { createRedisConnection } from '@ultra/runtime/redis';

/** The few Redis commands the store uses (ioredis has them; tests pass a Map-backed fake). */
export interface KeyValueClient {
  mget(...keys: string[]): Promise<(string | null)[]>;
  set(key: string, value: string): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

/** Where breaker snapshots outlive the agent. */
export interface BreakerStore {
  /** The snapshots kept for `names` (those with none, or a bad one, are left out). Never rejects. */
  load(names: readonly string[]): Promise<Map<string, BreakerSnapshot>>;
  /** Keeps `snapshot` in the background; a failure is reported through `warn`, never thrown. */
  save(name: string, snapshot: BreakerSnapshot): void;
  /** Waits for the saves still under way, at most `timeoutMs`. */
  flush(): Promise<void>;
}

export interface BreakerStoreDeps {
  readonly client: KeyValueClient;
  readonly clock: Clock;
  /** Key of provider `name` is `keyPrefix + name`. Default `ultra:agent:breaker:`. */
  readonly keyPrefix?: string;
  /** Longest wait for Redis when loading or flushing. Milliseconds. Default 2000. */
  readonly timeoutMs?: number;
  readonly warn: (message: string) => void;
}

/**
 * Breaker state in Redis, one JSON key per provider, so that a restarted agent stays
 * away from a provider known dead (and keeps operator overrides). A closed breaker with
 * no trips to remember deletes its key. Redis being down never stops a call: a failed
 * load starts every breaker closed, a failed save is only logged.
 */
export function createBreakerStore(deps: BreakerStoreDeps): BreakerStore {
  const prefix = deps.keyPrefix ?? 'ultra:agent:breaker:';
  const timeoutMs = deps.timeoutMs ?? 2_000;
  const pending = new Set<Promise<unknown>>();
  const within = <T>(p: Promise<T>, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = deps.clock.setTimeout(() => reject(new Error(`${what} took longer than ${timeoutMs} ms`)), timeoutMs);
      p.then(resolve, reject).finally(() => deps.clock.clearTimeout(timer));
    });
  const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

  return {
    async load(names) {
      const out = new Map<string, BreakerSnapshot>();
      if (names.length === 0) return out;
      let values: (string | null)[];
      try {
        values = await within(deps.client.mget(...names.map((n) => prefix + n)), 'reading breaker state from Redis');
      } catch (e) {
        deps.warn(`breaker state not restored, every breaker starts closed: ${message(e)}`);
        return out;
      }
      names.forEach((name, i) => {
        const text = values[i];
        if (text === null || text === undefined) return;
        let parsed;
        try {
          parsed = parseBreakerSnapshot(JSON.parse(text));
        } catch {
          parsed = { ok: false as const, problem: `not JSON (${text.length} characters)` };
        }
        if (parsed.ok) out.set(name, parsed.snapshot);
        else deps.warn(`${prefix}${name}: ignored: ${parsed.problem}`);
      });
      return out;
    },
    save(name, snapshot) {
      const key = prefix + name;
      const forget = snapshot.state === 'closed' && snapshot.consecutiveTrips === 0;
      const p = (forget ? deps.client.del(key) : deps.client.set(key, JSON.stringify(snapshot))).catch((e: unknown) => {
        deps.warn(`${key}: breaker state (${snapshot.state}) not saved: ${message(e)}`);
      });
      pending.add(p);
      void p.finally(() => pending.delete(p));
    },
    async flush() {
      await within(Promise.all([...pending]), 'saving breaker state to Redis').catch((e: unknown) => deps.warn(message(e)));
    },
  };
}

/**
 * The agent's Redis connection: commands wait for it for a moment at start (one retry),
 * then fail fast; it reconnects by itself, backing off to 2 s.
 */
export function createRedisClient(url: string, onError: (err: Error) => void): Redis {
  const redis = createRedisConnection(url, {
    connectionName: 'ultra-provider-agent',
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  });
  redis.on('error', onError);
  return redis;
}

import type { EndpointType } from './known-providers.ts';
import type { Secret } from './secret.ts';
import type { ModeName, ModePolicy } from './modes.ts';

export interface Address {
  host: string;
  port: number;
}

/** One provider as the services use it, every default applied. */
export interface ProviderConfig {
  /** The name used in the tiers, e.g. `openai` or `local`. */
  readonly name: string;
  readonly type: EndpointType;
  /** Base URL in the official SDK's convention; the simulator's when `simulated`. */
  readonly baseUrl: string;
  /** The key from `apiKeyEnv`, when set in the environment. */
  readonly apiKey?: Secret;
  /** The environment variable the key comes from, if the endpoint needs one. */
  readonly apiKeyEnv?: string;
  /** The provider's own model names it offers (its endpoint `models` plus those aliases map to it). */
  readonly models: readonly string[];
  /** True when Ultra's simulator stands in for this provider. */
  readonly simulated: boolean;
  /** Why this provider cannot be called (e.g. its key is not set), if it cannot. */
  readonly unavailableReason?: string;
  /** A stream that has not sent its first token after this long fails over (ms). */
  readonly firstTokenTimeoutMs: number;
  /** A stream silent for this long between tokens is broken (ms). */
  readonly idleTimeoutMs: number;
}

export interface Tier {
  readonly name: string;
  readonly providers: readonly string[];
}

/** Ultra's validated, resolved and frozen configuration. */
export interface UltraConfig {
  /** Where the config came from: a file path or `built-in default`. */
  readonly source: string;
  /** Tiers in order of preference (the order of the file). */
  readonly tiers: readonly Tier[];
  /** Every provider named in a tier. */
  readonly providers: Readonly<Record<string, ProviderConfig>>;
  /** Alias → provider → that provider's model name. */
  readonly models: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly defaultModel: string;
  readonly simulate: 'auto' | 'always' | 'never';
  readonly healthCheck: { readonly intervalMs: number; readonly timeoutMs: number; readonly threshold: number };
  readonly failover: {
    readonly strategy: 'round-robin' | 'weighted' | 'least-outstanding' | 'latency' | 'random';
    readonly stickySessions: boolean;
    readonly cooldownMs: number;
    readonly maxAttempts: number;
    readonly defaultTimeoutMs: number;
    /** After the cooldown, traffic returns linearly over this long. */
    readonly cooldownRampMs: number;
    readonly weights: Readonly<Record<string, number>>;
    /** Share of traffic the `latency` strategy sends to other than the fastest. */
    readonly explore: number;
    readonly panicThreshold: number;
    readonly retryBudget: { readonly ratio: number; readonly minPerWindow: number; readonly windowMs: number };
    readonly outlierEjection: {
      readonly consecutiveFailures: number;
      readonly window: number;
      readonly minRequests: number;
      readonly stdevFactor: number;
      readonly gapToBest: number;
      readonly baseEjectionMs: number;
      readonly maxEjectionMs: number;
      readonly maxEjectedShare: number;
    };
    readonly hedging: { readonly enabled: boolean; readonly delayMs: number };
    readonly coalesce: boolean;
    readonly streamResume: 'fail' | 'continue';
  };
  readonly services: {
    readonly router: { readonly grpc: Address; readonly http: Address };
    readonly providerAgent: Address;
    readonly cache: Address;
    readonly health: Address;
    readonly simulator: Address;
  };
  readonly cache: {
    readonly ttlMs: number;
    readonly staleMs: number;
    readonly maxEntries: number;
    readonly maxBytes: number;
    /** Requests with a temperature above this are not cached. */
    readonly maxTemperature: number;
    /** Largest value a Put may store, in bytes (default 4 MiB, capped at `maxBytes`). */
    readonly maxValueBytes: number;
    /** Prefix of every Redis key and channel (default `ultra:cache:`). */
    readonly keyPrefix: string;
    /** Entries (JSON lines) loaded at start, when set. */
    readonly warmFile?: string;
    /** Leases against stampedes: how long one holds (ms, default 30 s) and longest wait for a holder's value (ms, default 5 s). */
    readonly lease: { readonly ttlMs: number; readonly waitMs: number };
    /**
     * The breaker around Redis: a call slower than `timeoutMs` (default 100) fails;
     * `breakerFailures` failures in a row (default 3) stop calls for `breakerOpenMs` (default 2000).
     */
    readonly redis: { readonly timeoutMs: number; readonly breakerFailures: number; readonly breakerOpenMs: number };
    /** From `REDIS_URL`; without it the cache keeps to its in-process store. */
    readonly redisUrl?: Secret;
  };
  readonly shutdown: { readonly graceMs: number };
  readonly modes: {
    readonly evaluateEveryMs: number;
    readonly recoverAfter: number;
    /** A router that has not heard from the health service for this long assumes DEGRADED. */
    readonly routerStaleAfterMs: number;
    /** Conditions per mode, in the file's snake_case turned camelCase; unset ones take the shipped rules. */
    readonly rules: Readonly<Record<'degraded' | 'critical' | 'outage', Readonly<Record<string, number | boolean>> | undefined>>;
    readonly table: Readonly<Record<ModeName, ModePolicy>>;
  };
}

import type { EndpointType } from './known-providers.ts';
import type { Secret } from './secret.ts';
import type { ModeName, ModePolicy } from './modes.ts';
import type { OverloadConfig } from './overload.ts';
import type { ClientKey, RequestLimits } from './auth.ts';
import type { TlsConfig } from './tls.ts';
import type { DialTarget } from './dial.ts';
import type { BreakerConfig, BulkheadConfig, HedgingConfig, RetryConfig, WithOverrides } from './provider-knobs.ts';

export type { DialTarget } from './dial.ts';
export type { BreakerConfig, BulkheadConfig, HedgingConfig, RetryConfig, WithOverrides } from './provider-knobs.ts';

export interface Address {
  host: string;
  port: number;
}

/** One provider in the form the services use, every default applied. */
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
  /** What the endpoint can honour: its type's defaults with the endpoint's `capabilities` over them (absent: the type's defaults). */
  readonly capabilities?: Capabilities;
  /** Per-model overrides (endpoint `model_capabilities`), by the provider's own model name. */
  readonly modelCapabilities?: Readonly<Record<string, Partial<Capabilities>>>;
}

/** What a provider can honour of a request besides text. */
export interface Capabilities {
  /** Tools, tool choice, tool calls and tool results. */
  readonly tools: boolean;
  /** `json_object` and `json_schema` response formats. */
  readonly json_schema: boolean;
  /** Images in user messages. */
  readonly images: boolean;
}

export interface Tier {
  readonly name: string;
  readonly providers: readonly string[];
}

/** Where the services run: `single` (one process) or `split` (one process each). */
export type Topology = 'single' | 'split';

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
  /**
   * How `ultra start` runs the services (docs/architecture.md): `single` (the default)
   * runs router, provider-agent, cache and health in one process, calling each other in
   * process; `split` runs one process per service under the supervisor.
   */
  readonly topology: Topology;
  readonly healthCheck: { readonly intervalMs: number; readonly timeoutMs: number; readonly threshold: number };
  readonly failover: {
    readonly strategy: 'round-robin' | 'weighted' | 'least-outstanding' | 'latency' | 'random';
    readonly stickySessions: boolean;
    readonly cooldownMs: number;
    readonly maxAttempts: number;
    /**
     * While another candidate is left, the longest the agent may wait before retrying the
     * same provider (backoff or Retry-After); a longer wait fails over at once instead.
     */
    readonly maxRetryWaitMs: number;
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
      /** Ejected too when its latency is this many times the tier's fastest (0: off). */
      readonly latencyFactor: number;
      /** …and at least this much more. Milliseconds. */
      readonly latencyMinGapMs: number;
    };
    readonly hedging: HedgingConfig;
    readonly coalesce: boolean;
    readonly streamResume: 'fail' | 'continue';
  };
  readonly services: {
    /** Where each service listens (`services.<service>.address`; the router's `grpc` and `http`). */
    readonly router: { readonly grpc: Address; readonly http: Address };
    readonly providerAgent: Address;
    readonly cache: Address;
    readonly health: Address;
    /**
     * Where the other services reach each one (`services.<service>.dial`), at least one
     * entry each; default the listen address, with `0.0.0.0` / `::` as loopback. The
     * router's entry is its gRPC address. Clients balance over every entry (libs/runtime dial-pool.ts).
     */
    readonly dial: {
      readonly router: readonly DialTarget[];
      readonly providerAgent: readonly DialTarget[];
      readonly cache: readonly DialTarget[];
      readonly health: readonly DialTarget[];
    };
    readonly simulator: Address;
    /**
     * Every HTTP/2 listener sends GOAWAY to a connection after this long, ms, ± 10 %
     * (`services.max_connection_age`, default 5 min; 0: never): clients dial again, so a
     * replica added behind a Service or a DNS name gets its share. Calls in flight finish
     * on the old connection.
     */
    readonly maxConnectionAgeMs: number;
    /** V8's old-generation growth past the live heap before a full collection (`services.heap_growth`, in (1, 4], default 1.5; 0: V8 chooses); docs/architecture.md, "Memory". */
    readonly heapGrowth: number;
    /** Where each service serves `/metrics` for Prometheus (the router also on its HTTP port). */
    readonly metrics: { readonly router: Address; readonly providerAgent: Address; readonly cache: Address; readonly health: Address };
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
     * The router's near cache: each router keeps the answers it got from the cache (or
     * stored) for `ttlMs` (default 0: off) in an LRU of `maxEntries` (default 1000), and
     * answers repeats from memory without a call to the cache. An invalidation, or the
     * entry's own TTL running out, reaches a router only when its copy expires.
     */
    readonly near: { readonly ttlMs: number; readonly maxEntries: number };
    /**
     * The breaker around Redis: a call slower than `timeoutMs` (default 100) fails;
     * `breakerFailures` failures in a row (default 3) stop calls for `breakerOpenMs` (default 2000).
     */
    readonly redis: { readonly timeoutMs: number; readonly breakerFailures: number; readonly breakerOpenMs: number };
    /** From `REDIS_URL`; without it the cache keeps to its in-process store. */
    readonly redisUrl?: Secret;
  };
  /** The durable retry queue (`queue:`); in use only when `cache.redisUrl` is set. See docs/retry-queue.md. */
  readonly queue: QueueConfig;
  readonly shutdown: { readonly graceMs: number };
  /** Client keys (hashes only). Without any, the router runs open, on loopback only. */
  readonly auth: { readonly keys: readonly ClientKey[] };
  readonly limits: RequestLimits;
  /** Ultra's own saturation: when to shed by priority and step the mode down. */
  readonly overload: OverloadConfig;
  /** TLS (optionally mutual) on every internal hop; absent: cleartext on loopback. */
  readonly tls?: TlsConfig;
  /** The provider-agent's circuit breaker per provider (docs/circuit-breaker-tuning.md). */
  readonly breaker: WithOverrides<BreakerConfig>;
  /** The provider-agent's same-provider retries and retry budget per provider. */
  readonly retry: WithOverrides<RetryConfig>;
  /** The provider-agent's concurrency limit per provider. */
  readonly bulkhead: WithOverrides<BulkheadConfig>;
  readonly modes: {
    readonly evaluateEveryMs: number;
    /** Healthy checks in a row before the mode steps back up, when it has not flapped lately. */
    readonly recoverAfter: number;
    /** The most healthy checks a recovery needs after the mode flapped; absent: 4 × `recoverAfter` (the health service's default). */
    readonly maxRecoverAfter?: number;
    /** A router that has not heard from the health service for this long assumes DEGRADED. */
    readonly routerStaleAfterMs: number;
    /**
     * Replicas of each service that must serve for it to count as up (the health service
     * watches every replica on the service's `dial` list). Default 1 each: a service is down
     * only when none of its replicas serves, so a rolling restart changes no mode.
     */
    readonly minServing: { readonly router: number; readonly providerAgent: number; readonly cache: number };
    /** Conditions per mode, in the file's snake_case turned camelCase; unset ones take the shipped rules. */
    readonly rules: Readonly<Record<'degraded' | 'critical' | 'outage', Readonly<Record<string, number | boolean>> | undefined>>;
    readonly table: Readonly<Record<ModeName, ModePolicy>>;
  };
}

/** The retry queue's settings, every default applied (durations in ms). */
export interface QueueConfig {
  /** Run a worker in this router replica. Default true. */
  readonly worker: boolean;
  /** Jobs one worker runs at once. Default 4. */
  readonly concurrency: number;
  /** Attempts a job may make before it is dead-lettered. Default 5. */
  readonly maxAttempts: number;
  /** Delay before attempt n+1: min(capMs, baseMs × 2^(n-1)), jittered (`equal`: half fixed, half random). Defaults 1 s, 5 min, `equal`. */
  readonly backoff: { readonly baseMs: number; readonly capMs: number; readonly jitter: 'equal' | 'full' | 'none' };
  /** Per error class (outcome name), whether it is retried; the file's entries over the defaults (caller's mistakes and refusals: no). */
  readonly retryOn: Readonly<Record<string, boolean>>;
  /** Wait at least a provider's Retry-After before the next attempt. Default true. */
  readonly honorRetryAfter: boolean;
  /** A job's deadline when its submit sets none. Default 24 h. */
  readonly defaultDeadlineMs: number;
  /** Longest one attempt may take (within the job's deadline). Default 60 s. */
  readonly attemptTimeoutMs: number;
  /** How long a job the degraded mode holds back waits before it is tried again (no attempt spent). Default 10 s. */
  readonly modeWaitMs: number;
  /** Ended jobs (answers, cancellations) stay readable this long; so does their idempotency key. Default 1 h. */
  readonly resultTtlMs: number;
  /** Dead letters are deleted after this long (0: kept until purged). Default 7 days. */
  readonly deadLetterTtlMs: number;
  /** Jobs started per second across every worker (0: no limit). Default 10. */
  readonly drainRate: number;
  /** A worker's lock on a running job, renewed every half of it; a dead worker's jobs run again after it lapses. Default 30 s. */
  readonly lockDurationMs: number;
  /** How often workers look for jobs whose lock lapsed. Default 30 s. */
  readonly stalledIntervalMs: number;
  /** Times a job may lose its worker and run again; once more and it is dead-lettered. Default 2. */
  readonly maxStalled: number;
  /** Prefix of every Redis key of the queue. Default `ultra-queue`. */
  readonly keyPrefix: string;
}

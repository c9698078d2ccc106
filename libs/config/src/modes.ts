import { z } from 'zod';

export const PRIORITIES = ['high', 'normal', 'low', 'batch'] as const;
export type PriorityName = (typeof PRIORITIES)[number];
export const MODES = ['normal', 'degraded', 'critical', 'outage'] as const;
export type ModeName = (typeof MODES)[number];

/** What the router does in one mode: which priorities it serves live, defers or refuses, and which features it keeps. */
export interface ModePolicy {
  /** Priorities answered live (others are deferred or refused). */
  readonly live: readonly PriorityName[];
  /** Priorities queued for later (the caller gets a job id); others not live are refused. */
  readonly defer: readonly PriorityName[];
  /** Retry-After given with a refusal, ms. */
  readonly retryAfterMs: number;
  /** Stream answers while they arrive; off: a stream gets the whole answer in one piece. */
  readonly streaming: boolean;
  readonly hedging: boolean;
  readonly cacheWarming: boolean;
  /** Cap on max_tokens for live requests (0: none). */
  readonly maxTokens: number;
  /** Answer from the cache, stale included, before asking a provider. */
  readonly preferCache: boolean;
  /** Accept stale cache entries when providers fail. */
  readonly serveStale: boolean;
  /** Only the cache answers: no provider is called. */
  readonly cacheOnly: boolean;
}

/** The table that ships: what each mode keeps. */
export const DEFAULT_MODE_TABLE: Readonly<Record<ModeName, ModePolicy>> = {
  normal: { live: [...PRIORITIES], defer: [], retryAfterMs: 30_000, streaming: true, hedging: true, cacheWarming: true, maxTokens: 0, preferCache: false, serveStale: true, cacheOnly: false },
  degraded: { live: ['high', 'normal', 'low'], defer: ['batch'], retryAfterMs: 30_000, streaming: true, hedging: false, cacheWarming: false, maxTokens: 0, preferCache: false, serveStale: true, cacheOnly: false },
  critical: { live: ['high', 'normal'], defer: ['low', 'batch'], retryAfterMs: 60_000, streaming: false, hedging: false, cacheWarming: false, maxTokens: 1024, preferCache: true, serveStale: true, cacheOnly: false },
  outage: { live: [], defer: ['low', 'batch'], retryAfterMs: 120_000, streaming: false, hedging: false, cacheWarming: false, maxTokens: 0, preferCache: true, serveStale: true, cacheOnly: true },
};

export const modePolicySchema = (duration: z.ZodType<number, string>) =>
  z.strictObject({
    live: z.array(z.enum(PRIORITIES)).optional(),
    defer: z.array(z.enum(PRIORITIES)).optional(),
    retry_after: duration.optional(),
    streaming: z.boolean().optional(),
    hedging: z.boolean().optional(),
    cache_warming: z.boolean().optional(),
    max_tokens: z.number().int().min(0).optional(),
    prefer_cache: z.boolean().optional(),
    serve_stale: z.boolean().optional(),
    cache_only: z.boolean().optional(),
  });

export const conditionsSchema = (duration: z.ZodType<number, string>) =>
  z.strictObject({
    healthy_share_below: z.number().min(0).max(1).optional(),
    first_tier_down: z.boolean().optional(),
    any_tier_down: z.boolean().optional(),
    any_service_down: z.boolean().optional(),
    redis_down: z.boolean().optional(),
    error_ratio_above: z.number().min(0).max(1).optional(),
    latency_p99_above: duration.optional(),
    queue_depth_above: z.number().int().min(0).optional(),
    resource_constraints: z.boolean().optional(),
  });

type PolicyFile = z.output<ReturnType<typeof modePolicySchema>>;

/** A mode's row from the file, over the shipped row. */
export function resolvePolicy(mode: ModeName, row: PolicyFile | undefined): ModePolicy {
  const d = DEFAULT_MODE_TABLE[mode];
  if (!row) return d;
  return {
    live: row.live ?? d.live,
    defer: row.defer ?? d.defer,
    retryAfterMs: row.retry_after ?? d.retryAfterMs,
    streaming: row.streaming ?? d.streaming,
    hedging: row.hedging ?? d.hedging,
    cacheWarming: row.cache_warming ?? d.cacheWarming,
    maxTokens: row.max_tokens ?? d.maxTokens,
    preferCache: row.prefer_cache ?? d.preferCache,
    serveStale: row.serve_stale ?? d.serveStale,
    cacheOnly: row.cache_only ?? d.cacheOnly,
  };
}

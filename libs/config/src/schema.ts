import { z } from 'zod';
import { ENDPOINT_TYPES } from './known-providers.ts';
import { conditionsSchema, modePolicySchema } from './modes.ts';
import { authSchema, limitsSchema } from './auth.ts';
import { tlsSchema } from './tls.ts';
import { DEFAULT_STREAM_TIMEOUTS } from './stream-timeouts.ts';
import { address, count, duration, name, share, url, QUEUE_OUTCOMES } from './schema-fields.ts';
import { breakerKnobs, bulkheadKnobs, retryKnobs } from './schema-knobs.ts';
import { dialSchema } from './dial.ts';
import { overloadSchema } from './overload.ts';

/** What an endpoint can honour: tools (function calling), json_schema (JSON formats), images (image input). */
const capabilities = z.strictObject({ tools: z.boolean().optional(), json_schema: z.boolean().optional(), images: z.boolean().optional() });

export { OUTCOME_NAMES, QUEUE_NOT_RETRIED, QUEUE_OUTCOMES, type QueueOutcome } from './schema-fields.ts';
export type { BreakerKnobs, BulkheadKnobs, RetryKnobs } from './schema-knobs.ts';

/** The config file in its written form (snake_case keys), with defaults filled in. */
export const fileSchema = z.strictObject({
  providers: z.record(name, z.array(z.string())),
  health_check: z
    .strictObject({
      interval: duration.default(30_000),
      timeout: duration.default(5_000),
      threshold: count(1).default(3),
    })
    .prefault({}),
  failover: z
    .strictObject({
      strategy: z.enum(['round-robin', 'weighted', 'least-outstanding', 'latency', 'random']).default('round-robin'),
      sticky_sessions: z.boolean().default(false),
      cooldown: duration.default(300_000),
      max_attempts: count(1).default(3),
      max_retry_wait: duration.default(250),
      default_timeout: duration.default(30_000),
      cooldown_ramp: duration.default(60_000),
      weights: z.record(z.string(), z.number().positive()).default({}),
      explore: share.default(0.1),
      panic_threshold: share.default(0.5),
      retry_budget: z
        .strictObject({ ratio: share.default(0.2), min_per_window: count(0).default(10), window: duration.default(10_000) })
        .prefault({}),
      outlier_ejection: z
        .strictObject({
          consecutive_failures: count(1).default(5),
          window: count(2).default(50),
          min_requests: count(1).default(20),
          stdev_factor: z.number().positive().default(1.9),
          gap_to_best: share.default(0.3),
          base_ejection: duration.default(30_000),
          max_ejection: duration.default(300_000),
          max_ejected_share: share.default(0.5),
          /** A provider whose latency is this many times its tier's fastest (and latency_min_gap more) is ejected; 0: off. */
          latency_factor: z.union([z.literal(0), z.number().min(1)]).default(3),
          latency_min_gap: duration.default(500),
        })
        .prefault({}),
      /** docs/failover.md#hedging: the fixed-delay hedge (`enabled`, `delay`) and the adaptive one, bounded by its budget. */
      hedging: z
        .strictObject({
          enabled: z.boolean().default(false),
          delay: duration.default(2_000),
          adaptive: z.boolean().default(true),
          factor: z.number().min(1).default(1.5),
          min_delay: duration.default(500),
          max_delay: duration.default(10_000),
          min_samples: count(1).default(20),
          last_chance: z.boolean().default(true),
          budget: z
            .strictObject({ ratio: share.default(0.05), min_per_window: count(0).default(1), window: duration.default(10_000) })
            .prefault({}),
        })
        .superRefine((h, ctx) => {
          if (h.max_delay < h.min_delay) ctx.addIssue({ code: 'custom', path: ['max_delay'], message: `${h.max_delay} ms is shorter than min_delay (${h.min_delay} ms)` });
          if (h.budget.window <= 0) ctx.addIssue({ code: 'custom', path: ['budget', 'window'], message: 'must be longer than 0' });
        })
        .prefault({}),
      coalesce: z.boolean().default(true),
      first_token_timeout: duration.default(DEFAULT_STREAM_TIMEOUTS.firstTokenTimeoutMs),
      idle_timeout: duration.default(DEFAULT_STREAM_TIMEOUTS.idleTimeoutMs),
      stream_resume: z.enum(['fail', 'continue']).default('fail'),
    })
    .prefault({}),
  endpoints: z
    .record(
      name,
      z.strictObject({
        type: z.enum(ENDPOINT_TYPES),
        base_url: url,
        api_key_env: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable')
          .optional(),
        models: z.array(z.string().min(1)).default([]),
        /** Per-provider overrides of failover.first_token_timeout and failover.idle_timeout. */
        first_token_timeout: duration.optional(),
        idle_timeout: duration.optional(),
        /** What this endpoint can honour, over its type's defaults (all true for the four types). */
        capabilities: capabilities.optional(),
        /** Per-model overrides of `capabilities`, by the provider's own model name. */
        model_capabilities: z.record(z.string().min(1), capabilities).default({}),
      }),
    )
    .default({}),
  models: z.record(z.string().min(1), z.record(z.string(), z.string().min(1))).default({}),
  default_model: z.string().min(1).default('chat'),
  simulate: z.enum(['auto', 'always', 'never']).default('auto'),
  /** How `ultra start` runs the services: all four in one process, or one process each. */
  topology: z.enum(['single', 'split']).default('single'),
  services: z
    .strictObject({
      router: z
        .strictObject({
          grpc: address.default({ host: '127.0.0.1', port: 50051 }),
          http: address.default({ host: '127.0.0.1', port: 8080 }),
          metrics: address.default({ host: '127.0.0.1', port: 9464 }),
          /** Where the others reach the router's gRPC address (health watches it there). */
          dial: dialSchema,
        })
        .prefault({}),
      provider_agent: z
        .strictObject({ address: address.default({ host: '127.0.0.1', port: 50061 }), metrics: address.default({ host: '127.0.0.1', port: 9465 }), dial: dialSchema })
        .prefault({}),
      cache: z
        .strictObject({ address: address.default({ host: '127.0.0.1', port: 50071 }), metrics: address.default({ host: '127.0.0.1', port: 9466 }), dial: dialSchema })
        .prefault({}),
      health: z
        .strictObject({ address: address.default({ host: '127.0.0.1', port: 50081 }), metrics: address.default({ host: '127.0.0.1', port: 9467 }), dial: dialSchema })
        .prefault({}),
      simulator: z.strictObject({ address: address.default({ host: '127.0.0.1', port: 50091 }) }).prefault({}),
      /** Every HTTP/2 listener sends GOAWAY to a connection this old (± 10 %), so that clients dial again and new replicas get traffic; 0: never. */
      max_connection_age: duration.default(300_000),
      /** How far V8's heap may grow past what its last full collection left live before the next one; 0: V8's own choice. */
      heap_growth: z
        .number()
        .refine((r) => r === 0 || (r > 1 && r <= 4), 'must be 0 (V8 chooses) or a ratio over 1 and at most 4, e.g. 1.5')
        .default(1.5),
    })
    .prefault({}),
  cache: z
    .strictObject({
      ttl: duration.default(3_600_000),
      stale: duration.default(86_400_000),
      max_entries: count(1).default(10_000),
      max_bytes: count(1024).default(64 * 1024 * 1024),
      max_temperature: z.number().min(0).default(1),
      /** Largest value a Put may store, in bytes; default 4 MiB, or max_bytes when smaller. */
      max_value_bytes: count(1).optional(),
      /** Prefix of every Redis key and channel the cache uses. */
      key_prefix: z.string().min(1).max(64).default('ultra:cache:'),
      /** A file of entries (JSON lines) loaded at start. */
      warm_file: z.string().min(1).optional(),
      lease: z.strictObject({ ttl: duration.default(30_000), wait: duration.default(5_000) }).prefault({}),
      /** A small copy of hits inside each router (docs/cache.md); off (ttl 0) by default. */
      near: z.strictObject({ ttl: duration.default(0), max_entries: count(1).default(1_000) }).prefault({}),
      redis: z
        .strictObject({
          timeout: duration.default(100),
          breaker_failures: count(1).default(3),
          breaker_open: duration.default(2_000),
        })
        .prefault({}),
    })
    .superRefine((c, ctx) => {
      if (c.max_value_bytes !== undefined && c.max_value_bytes > c.max_bytes) {
        ctx.addIssue({
          code: 'custom',
          path: ['max_value_bytes'],
          message: `${c.max_value_bytes} is over max_bytes (${c.max_bytes}): such a value could never be kept`,
        });
      }
    })
    .prefault({}),
  /** The durable retry queue (docs/retry-queue.md); used only when REDIS_URL is set. */
  queue: z
    .strictObject({
      worker: z.boolean().default(true),
      concurrency: count(1).default(4),
      max_attempts: count(1).default(5),
      backoff: z
        .strictObject({ base: duration.default(1_000), cap: duration.default(300_000), jitter: z.enum(['equal', 'full', 'none']).default('equal') })
        .superRefine((b, ctx) => {
          if (b.base <= 0) ctx.addIssue({ code: 'custom', path: ['base'], message: 'must be longer than 0' });
          else if (b.cap < b.base) ctx.addIssue({ code: 'custom', path: ['cap'], message: `${b.cap} ms is shorter than base (${b.base} ms)` });
        })
        .prefault({}),
      retry_on: z.strictObject(Object.fromEntries(QUEUE_OUTCOMES.map((o) => [o, z.boolean().optional()]))).prefault({}),
      honor_retry_after: z.boolean().default(true),
      default_deadline: duration.default(86_400_000),
      attempt_timeout: duration.default(60_000),
      mode_wait: duration.default(10_000),
      result_ttl: duration.default(3_600_000),
      dead_letter_ttl: duration.default(604_800_000),
      drain_rate: z.number().min(0).default(10),
      lock_duration: duration.default(30_000),
      stalled_interval: duration.default(30_000),
      max_stalled: count(0).default(2),
      key_prefix: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, ".", "-" or "_"').default('ultra-queue'),
    })
    .prefault({}),
  shutdown: z.strictObject({ grace: duration.default(10_000) }).prefault({}),
  auth: authSchema,
  tls: tlsSchema,
  limits: limitsSchema(duration),
  overload: overloadSchema(duration),
  breaker: breakerKnobs.extend({ overrides: z.record(name, breakerKnobs).default({}) }).prefault({}),
  retry: retryKnobs.extend({ overrides: z.record(name, retryKnobs).default({}) }).prefault({}),
  bulkhead: bulkheadKnobs.extend({ overrides: z.record(name, bulkheadKnobs).default({}) }).prefault({}),
  modes: z
    .strictObject({
      evaluate_every: duration.default(1_000),
      recover_after: count(1).default(3),
      max_recover_after: count(1).optional(),
      router_stale_after: duration.default(60_000),
      min_serving: z
        .strictObject({ router: count(1).default(1), provider_agent: count(1).default(1), cache: count(1).default(1) })
        .prefault({}),
      rules: z
        .strictObject({
          degraded: conditionsSchema(duration).optional(),
          critical: conditionsSchema(duration).optional(),
          outage: conditionsSchema(duration).optional(),
        })
        .prefault({}),
      table: z
        .strictObject({
          normal: modePolicySchema(duration).optional(),
          degraded: modePolicySchema(duration).optional(),
          critical: modePolicySchema(duration).optional(),
          outage: modePolicySchema(duration).optional(),
        })
        .prefault({}),
    })
    .superRefine((m, ctx) => {
      if (m.max_recover_after !== undefined && m.max_recover_after < m.recover_after) {
        ctx.addIssue({ code: 'custom', path: ['max_recover_after'], message: `${m.max_recover_after} is under recover_after (${m.recover_after}): a recovery could never need that few checks` });
      }
    })
    .prefault({}),
});

export type ConfigFile = z.output<typeof fileSchema>;

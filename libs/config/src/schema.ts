import { z } from 'zod';
import { parseDuration } from '@ultra/core';
import { ENDPOINT_TYPES } from './known-providers.ts';
import { conditionsSchema, modePolicySchema } from './modes.ts';
import { describeValue } from './describe.ts';

/** A duration string (`250ms`, `30s`, `5m`, `1h`) parsed to milliseconds. */
const duration = z
  .string({ error: (iss) => `expected a duration like 250ms, 30s or 5m, got ${describeValue(iss.input)}` })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration (write e.g. 250ms, 30s, 5m, 1h)` });
      return z.NEVER;
    }
    return ms;
  });

const ADDRESS = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** A `host:port` listen or dial address. */
const address = z
  .string({ error: (iss) => `expected an address like 127.0.0.1:50051, got ${describeValue(iss.input)}` })
  .transform((text, ctx) => {
    const match = ADDRESS.exec(text);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port > 65535) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not an address (write host:port, e.g. 127.0.0.1:50051)` });
      return z.NEVER;
    }
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
  });

const count = (min: number) => z.number().int().min(min);

/** A share or probability, 0..1. */
const share = z.number().min(0).max(1);

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, "-" or "_"');

const url = z.string().refine((text) => /^https?:\/\/[^\s/]+/.test(text), {
  message: 'must be an http:// or https:// URL',
});

/** The config file as written (snake_case keys), with defaults filled in. */
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
        })
        .prefault({}),
      hedging: z.strictObject({ enabled: z.boolean().default(false), delay: duration.default(2_000) }).prefault({}),
      coalesce: z.boolean().default(true),
      first_token_timeout: duration.default(15_000),
      idle_timeout: duration.default(30_000),
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
      }),
    )
    .default({}),
  models: z.record(z.string().min(1), z.record(z.string(), z.string().min(1))).default({}),
  default_model: z.string().min(1).default('chat'),
  simulate: z.enum(['auto', 'always', 'never']).default('auto'),
  services: z
    .strictObject({
      router: z
        .strictObject({ grpc: address.default({ host: '127.0.0.1', port: 50051 }), http: address.default({ host: '127.0.0.1', port: 8080 }) })
        .prefault({}),
      provider_agent: z.strictObject({ address: address.default({ host: '127.0.0.1', port: 50061 }) }).prefault({}),
      cache: z.strictObject({ address: address.default({ host: '127.0.0.1', port: 50071 }) }).prefault({}),
      health: z.strictObject({ address: address.default({ host: '127.0.0.1', port: 50081 }) }).prefault({}),
      simulator: z.strictObject({ address: address.default({ host: '127.0.0.1', port: 50091 }) }).prefault({}),
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
  shutdown: z.strictObject({ grace: duration.default(10_000) }).prefault({}),
  modes: z
    .strictObject({
      evaluate_every: duration.default(1_000),
      recover_after: count(1).default(3),
      router_stale_after: duration.default(60_000),
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
    .prefault({}),
});

export type ConfigFile = z.output<typeof fileSchema>;

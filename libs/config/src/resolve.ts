import { KNOWN_PROVIDERS } from './known-providers.ts';
import { QUEUE_NOT_RETRIED, QUEUE_OUTCOMES, type ConfigFile } from './schema.ts';
import { Secret } from './secret.ts';
import { resolvePolicy } from './modes.ts';
import { resolveKeys, resolveLimits } from './auth.ts';
import { resolveTls } from './tls.ts';
import type { BreakerConfig, BulkheadConfig, ProviderConfig, RetryConfig, UltraConfig, WithOverrides } from './types.ts';
import { formatDuration } from '@ultra/core';

type Env = Readonly<Record<string, string | undefined>>;

/** The parts of the file {@link crossCheck} reads; any may be missing when the schema failed. */
export interface CheckInput {
  providers?: Record<string, string[]>;
  endpoints?: Record<string, { models?: string[] }>;
  models?: Record<string, Record<string, string>>;
  default_model?: string;
  services?: ConfigFile['services'];
  weights?: Record<string, number>;
  breaker?: ConfigFile['breaker'];
  retry?: ConfigFile['retry'];
  bulkhead?: ConfigFile['bulkhead'];
  /** Number of client keys configured. */
  keyCount?: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Picks from an unvalidated file what is well-formed enough to cross-check. */
export function lenient(raw: unknown): CheckInput {
  if (!isRecord(raw)) return {};
  const out: CheckInput = {};
  const { providers, endpoints, models } = raw;
  if (isRecord(providers) && Object.values(providers).every(isStrings)) out.providers = providers as Record<string, string[]>;
  if (isRecord(endpoints) && Object.values(endpoints).every(isRecord)) {
    out.endpoints = Object.fromEntries(
      Object.entries(endpoints).map(([k, v]) => [k, isStrings((v as Record<string, unknown>)['models']) ? { models: (v as { models: string[] }).models } : {}]),
    );
  }
  if (isRecord(models) && Object.values(models).every((m) => isRecord(m) && Object.values(m).every((x) => typeof x === 'string'))) {
    out.models = models as Record<string, Record<string, string>>;
  }
  return out;
}

/** Checks what the schema alone cannot: names that must refer to something, duplicates. */
export function crossCheck(file: CheckInput): string[] {
  if (!file.providers) return [];
  const endpoints = file.endpoints ?? {};
  const problems: string[] = [];
  const isKnown = (name: string) => name in endpoints || name in KNOWN_PROVIDERS;
  const knownList = Object.keys(KNOWN_PROVIDERS).join(', ');
  const tiers = Object.entries(file.providers);
  if (tiers.length === 0) problems.push('providers: at least one tier is required, e.g. primary: [openai]');
  const seen = new Map<string, string>();
  for (const [tier, names] of tiers) {
    if (names.length === 0) problems.push(`providers.${tier}: a tier needs at least one provider`);
    names.forEach((name, i) => {
      if (!isKnown(name)) {
        problems.push(
          `providers.${tier}[${i}]: unknown provider "${name}" (not one of ${knownList}, and no entry under endpoints)`,
        );
      } else if (seen.has(name)) {
        problems.push(`providers.${tier}[${i}]: "${name}" is already in tier ${seen.get(name)}`);
      } else seen.set(name, tier);
    });
  }
  for (const name of Object.keys(file.weights ?? {})) {
    if (!isKnown(name)) problems.push(`failover.weights.${name}: unknown provider "${name}"`);
  }
  for (const [alias, map] of Object.entries(file.models ?? {})) {
    for (const provider of Object.keys(map)) {
      if (!isKnown(provider)) problems.push(`models.${alias}.${provider}: unknown provider "${provider}"`);
    }
  }
  const aliases = resolveModels(endpoints, file.models ?? {});
  const offered = Object.values(endpoints).flatMap((e) => e.models ?? []);
  const dm = file.default_model;
  if (dm !== undefined && !(dm in aliases) && !offered.includes(dm) && !Object.values(aliases).some((m) => Object.values(m).includes(dm))) {
    problems.push(`default_model: "${dm}" is neither an alias under models nor a model any provider offers`);
  }
  if (file.services) problems.push(...checkAddresses(file.services));
  if (file.services && (file.keyCount ?? 0) === 0) {
    const loopback = (host: string) => /^127\./.test(host) || host === '::1' || host === 'localhost';
    for (const which of ['grpc', 'http'] as const) {
      const a = file.services.router[which];
      if (!loopback(a.host)) {
        problems.push(
          `services.router.${which}: ${a.host} is not a loopback address and auth.keys is empty; add client keys (make one with: npx ultra hash-key) or listen on 127.0.0.1`,
        );
      }
    }
  }
  problems.push(...checkResilience(file, new Set(tiers.flatMap(([, names]) => names))));
  return problems;
}

function checkAddresses(s: ConfigFile['services']): string[] {
  const problems: string[] = [];
  const addresses = new Map<string, string>();
  for (const [path, a] of [
    ['services.router.grpc', s.router.grpc],
    ['services.router.http', s.router.http],
    ['services.provider_agent.address', s.provider_agent.address],
    ['services.cache.address', s.cache.address],
    ['services.health.address', s.health.address],
    ['services.simulator.address', s.simulator.address],
  ] as const) {
    const key = `${a.host}:${a.port}`;
    if (a.port !== 0 && addresses.has(key)) problems.push(`${path}: ${key} is already used by ${addresses.get(key)}`);
    addresses.set(key, path);
  }
  return problems;
}

/** The built-in `chat` alias for the action plan's providers, under the file's own aliases. */
function resolveModels(
  endpoints: Readonly<Record<string, unknown>>,
  models: Readonly<Record<string, Record<string, string>>>,
): Record<string, Record<string, string>> {
  const chat: Record<string, string> = {};
  for (const [name, known] of Object.entries(KNOWN_PROVIDERS)) {
    if (!(name in endpoints)) chat[name] = known.chatModel;
  }
  return { chat, ...models };
}

/** Turns a checked file into the typed config the services receive. */
export function resolve(file: ConfigFile, env: Env, source: string): UltraConfig {
  const models = resolveModels(file.endpoints, file.models);
  const tiers = Object.entries(file.providers).map(([name, providers]) => ({ name, providers }));
  const names = tiers.flatMap((t) => t.providers);
  const sim = file.services.simulator.address;
  const needsKey = (name: string) => file.endpoints[name]?.api_key_env ?? (name in file.endpoints ? undefined : KNOWN_PROVIDERS[name]?.apiKeyEnv);
  const anyKey = names.some((n) => {
    const v = needsKey(n);
    return v !== undefined && Boolean(env[v]);
  });
  const providers: Record<string, ProviderConfig> = {};
  for (const name of names) {
    const endpoint = file.endpoints[name];
    const known = KNOWN_PROVIDERS[name];
    const type = endpoint?.type ?? known!.type;
    const keyEnv = needsKey(name);
    const key = keyEnv ? env[keyEnv] : undefined;
    const simulated =
      file.simulate === 'always' || (file.simulate === 'auto' && keyEnv !== undefined && !anyKey);
    const offered = new Set(endpoint?.models ?? []);
    for (const map of Object.values(models)) if (map[name]) offered.add(map[name]);
    const simBase = `http://${sim.host}:${sim.port}/${name}${type === 'openai' ? '/v1' : ''}`;
    const provider: ProviderConfig = {
      name,
      type,
      baseUrl: simulated ? simBase : (endpoint?.base_url ?? known!.baseUrl).replace(/\/+$/, ''),
      models: [...offered],
      simulated,
      firstTokenTimeoutMs: endpoint?.first_token_timeout ?? file.failover.first_token_timeout,
      idleTimeoutMs: endpoint?.idle_timeout ?? file.failover.idle_timeout,
      ...(keyEnv ? { apiKeyEnv: keyEnv } : {}),
      ...(key && !simulated ? { apiKey: new Secret(key) } : {}),
      ...(keyEnv && !key && !simulated ? { unavailableReason: `${keyEnv} is not set` } : {}),
    };
    providers[name] = provider;
  }
  return deepFreeze({
    source,
    tiers,
    providers,
    models,
    defaultModel: file.default_model,
    simulate: file.simulate,
    healthCheck: {
      intervalMs: file.health_check.interval,
      timeoutMs: file.health_check.timeout,
      threshold: file.health_check.threshold,
    },
    failover: {
      strategy: file.failover.strategy,
      stickySessions: file.failover.sticky_sessions,
      cooldownMs: file.failover.cooldown,
      maxAttempts: file.failover.max_attempts,
      defaultTimeoutMs: file.failover.default_timeout,
      cooldownRampMs: file.failover.cooldown_ramp,
      weights: file.failover.weights,
      explore: file.failover.explore,
      panicThreshold: file.failover.panic_threshold,
      retryBudget: {
        ratio: file.failover.retry_budget.ratio,
        minPerWindow: file.failover.retry_budget.min_per_window,
        windowMs: file.failover.retry_budget.window,
      },
      outlierEjection: {
        consecutiveFailures: file.failover.outlier_ejection.consecutive_failures,
        window: file.failover.outlier_ejection.window,
        minRequests: file.failover.outlier_ejection.min_requests,
        stdevFactor: file.failover.outlier_ejection.stdev_factor,
        gapToBest: file.failover.outlier_ejection.gap_to_best,
        baseEjectionMs: file.failover.outlier_ejection.base_ejection,
        maxEjectionMs: file.failover.outlier_ejection.max_ejection,
        maxEjectedShare: file.failover.outlier_ejection.max_ejected_share,
      },
      hedging: { enabled: file.failover.hedging.enabled, delayMs: file.failover.hedging.delay },
      coalesce: file.failover.coalesce,
      streamResume: file.failover.stream_resume,
    },
    services: {
      router: { grpc: file.services.router.grpc, http: file.services.router.http },
      metrics: {
        router: file.services.router.metrics,
        providerAgent: file.services.provider_agent.metrics,
        cache: file.services.cache.metrics,
        health: file.services.health.metrics,
      },
      providerAgent: file.services.provider_agent.address,
      cache: file.services.cache.address,
      health: file.services.health.address,
      simulator: sim,
    },
    cache: {
      ttlMs: file.cache.ttl,
      staleMs: file.cache.stale,
      maxEntries: file.cache.max_entries,
      maxBytes: file.cache.max_bytes,
      maxTemperature: file.cache.max_temperature,
      maxValueBytes: file.cache.max_value_bytes ?? Math.min(4 * 1024 * 1024, file.cache.max_bytes),
      keyPrefix: file.cache.key_prefix,
      ...(file.cache.warm_file !== undefined ? { warmFile: file.cache.warm_file } : {}),
      lease: { ttlMs: file.cache.lease.ttl, waitMs: file.cache.lease.wait },
      redis: {
        timeoutMs: file.cache.redis.timeout,
        breakerFailures: file.cache.redis.breaker_failures,
        breakerOpenMs: file.cache.redis.breaker_open,
      },
      ...(env['REDIS_URL'] ? { redisUrl: new Secret(env['REDIS_URL']) } : {}),
    },
    queue: {
      worker: file.queue.worker,
      concurrency: file.queue.concurrency,
      maxAttempts: file.queue.max_attempts,
      backoff: { baseMs: file.queue.backoff.base, capMs: file.queue.backoff.cap, jitter: file.queue.backoff.jitter },
      retryOn: Object.fromEntries(QUEUE_OUTCOMES.map((o) => [o, file.queue.retry_on[o] ?? !QUEUE_NOT_RETRIED.includes(o)])),
      honorRetryAfter: file.queue.honor_retry_after,
      defaultDeadlineMs: file.queue.default_deadline,
      attemptTimeoutMs: file.queue.attempt_timeout,
      modeWaitMs: file.queue.mode_wait,
      resultTtlMs: file.queue.result_ttl,
      deadLetterTtlMs: file.queue.dead_letter_ttl,
      drainRate: file.queue.drain_rate,
      lockDurationMs: file.queue.lock_duration,
      stalledIntervalMs: file.queue.stalled_interval,
      maxStalled: file.queue.max_stalled,
      keyPrefix: file.queue.key_prefix,
    },
    shutdown: { graceMs: file.shutdown.grace },
    auth: { keys: resolveKeys(file.auth.keys) },
    limits: resolveLimits(file.limits),
    ...(file.tls ? { tls: resolveTls(file.tls)! } : {}),
    breaker: section(BREAKER_DEFAULTS, file.breaker),
    retry: section(RETRY_DEFAULTS, file.retry),
    bulkhead: section(BULKHEAD_DEFAULTS, file.bulkhead),
    modes: {
      evaluateEveryMs: file.modes.evaluate_every,
      recoverAfter: file.modes.recover_after,
      routerStaleAfterMs: file.modes.router_stale_after,
      rules: {
        degraded: camel(file.modes.rules.degraded),
        critical: camel(file.modes.rules.critical),
        outage: camel(file.modes.rules.outage),
      },
      table: {
        normal: resolvePolicy('normal', file.modes.table.normal),
        degraded: resolvePolicy('degraded', file.modes.table.degraded),
        critical: resolvePolicy('critical', file.modes.table.critical),
        outage: resolvePolicy('outage', file.modes.table.outage),
      },
    },
  });
}

/** `latency_p99_above` → `latencyP99AboveMs` (durations get `Ms`), others plain camelCase. */
function camel(rules: Record<string, number | boolean | undefined> | undefined): Record<string, number | boolean> | undefined {
  if (!rules) return undefined;
  const out: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(rules)) {
    if (v === undefined) continue;
    const key = k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    out[k === 'latency_p99_above' ? 'latencyP99AboveMs' : key] = v;
  }
  return out;
}

/** The provider-agent's defaults, equal to `@ultra/resilience`'s (a test in services/provider-agent checks). */
const BREAKER_DEFAULTS: BreakerConfig = {
  windowType: 'count', windowSize: 20, windowDurationMs: 60_000, windowBuckets: 10, minimumCalls: 10,
  failureRateThreshold: 0.5, slowCallRateThreshold: 0.8, slowTtftMs: 10_000, slowTokensPerSecond: 5,
  consecutiveFailures: 5, openBaseMs: 5_000, openMultiplier: 2, openMaxMs: 120_000, halfOpenProbes: 3, halfOpenSuccesses: 2,
  failureOutcomes: ['RATE_LIMITED', 'OVERLOADED', 'SERVER_ERROR', 'TIMEOUT', 'CONNECTION', 'STREAM_BROKEN', 'MALFORMED_RESPONSE'],
  halfOpenHealthProbe: true,
};
const RETRY_DEFAULTS: RetryConfig = {
  maxAttempts: 3, baseMs: 200, capMs: 5_000, jitter: 'full', retryAfterMaxMs: 10_000, attemptTimeoutMs: 20_000,
  retryableOutcomes: ['RATE_LIMITED', 'OVERLOADED', 'SERVER_ERROR', 'TIMEOUT', 'CONNECTION', 'MALFORMED_RESPONSE'],
  budget: { maxTokens: 10, tokenRatio: 0.1 },
};
const BULKHEAD_DEFAULTS: BulkheadConfig = { limit: 32, queue: 64, maxQueueWaitMs: 0 };

/** Keys whose camelCase name is not the plain one (durations get `Ms`). */
const RENAMED: Record<string, string> = {
  window_duration: 'windowDurationMs', slow_ttft: 'slowTtftMs', open_base: 'openBaseMs', open_max: 'openMaxMs', base: 'baseMs',
  cap: 'capMs', retry_after_max: 'retryAfterMaxMs', attempt_timeout: 'attemptTimeoutMs', max_queue_wait: 'maxQueueWaitMs',
};
type Knobs = Readonly<Record<string, unknown>>;

/** The keys a file section sets, in the resolved names: `{ open_base: 5000 }` → `{ openBaseMs: 5000 }`, outcomes upper case. */
function knobs(file: Knobs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(file)) {
    if (v === undefined || k === 'overrides') continue;
    const key = RENAMED[k] ?? k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    out[key] = k.endsWith('_outcomes') ? (v as string[]).map((o) => o.toUpperCase()) : isRecord(v) ? knobs(v) : v;
  }
  return out;
}

/** `file`'s keys over `base`, one level of nesting (retry.budget) merged too. */
function over<T extends object>(base: T, file: Knobs): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(knobs(file))) out[k] = isRecord(v) ? { ...(out[k] as object), ...v } : v;
  return out as T;
}

function section<T extends object>(defaults: T, file: Knobs & { overrides: Readonly<Record<string, Knobs>> }): WithOverrides<T> {
  const top = over(defaults, file);
  const overrides = Object.fromEntries(Object.entries(file.overrides).map(([name, o]) => [name, over(top, o)]));
  return { ...top, overrides };
}

/** What the breaker, retry and bulkhead sections cannot say alone: rules between keys, override names. */
function checkResilience(file: CheckInput, providers: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const key of ['breaker', 'retry', 'bulkhead'] as const) {
    for (const name of Object.keys(file[key]?.overrides ?? {})) {
      if (!providers.has(name)) problems.push(`${key}.overrides.${name}: no provider "${name}" in any tier`);
    }
  }
  const each = <T extends object>(key: string, s: WithOverrides<T>): [string, T][] => [
    [key, s],
    ...Object.entries(s.overrides).map(([name, o]): [string, T] => [`${key}.overrides.${name}`, o]),
  ];
  if (file.breaker) {
    for (const [path, b] of each('breaker', section(BREAKER_DEFAULTS, file.breaker))) {
      if (b.windowType === 'count' && b.minimumCalls > b.windowSize) {
        problems.push(`${path}.minimum_calls: ${b.minimumCalls} is more than window_size (${b.windowSize}), so the window never holds enough calls`);
      }
      if (b.halfOpenSuccesses > b.halfOpenProbes) {
        problems.push(`${path}.half_open_successes: ${b.halfOpenSuccesses} is more than half_open_probes (${b.halfOpenProbes}), so half-open could never close`);
      }
      if (b.openMaxMs < b.openBaseMs) {
        problems.push(`${path}.open_max: ${formatDuration(b.openMaxMs)} is shorter than open_base (${formatDuration(b.openBaseMs)})`);
      }
    }
  }
  if (file.retry) {
    for (const [path, r] of each('retry', section(RETRY_DEFAULTS, file.retry))) {
      if (r.capMs < r.baseMs) problems.push(`${path}.cap: ${formatDuration(r.capMs)} is shorter than base (${formatDuration(r.baseMs)})`);
    }
  }
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Secret) && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

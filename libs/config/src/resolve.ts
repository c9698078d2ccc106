import { KNOWN_PROVIDERS } from './known-providers.ts';
import { QUEUE_NOT_RETRIED, QUEUE_OUTCOMES, type ConfigFile } from './schema.ts';
import { Secret } from './secret.ts';
import { resolvePolicy } from './modes.ts';
import { resolveKeys, resolveLimits } from './auth.ts';
import { resolveOverload } from './overload.ts';
import { resolveTls } from './tls.ts';
import { resolveDial } from './dial.ts';
import { ConfigError } from './config-error.ts';
import { isRedisUrlError, parseRedisUrl } from './redis-url.ts';
import type { Capabilities, ProviderConfig, UltraConfig } from './types.ts';
import type { EndpointType } from './known-providers.ts';

type Env = Readonly<Record<string, string | undefined>>;
import { resolveModels } from './check.ts';
import { breakerSection, bulkheadSection, camel, retrySection } from './knobs.ts';

export { crossCheck, lenient, type CheckInput } from './check.ts';

/**
 * What each wire format's adapter can honour: all four carry tools, JSON formats and images
 * (docs/providers.md has the mapping). An endpoint whose server or model cannot (a local
 * OpenAI-compatible server without tool support, a text-only model) says so in config.
 */
export const TYPE_CAPABILITIES: Readonly<Record<EndpointType, Capabilities>> = Object.freeze({
  openai: { tools: true, json_schema: true, images: true },
  anthropic: { tools: true, json_schema: true, images: true },
  gemini: { tools: true, json_schema: true, images: true },
  cohere: { tools: true, json_schema: true, images: true },
});

/** The fields of a config override that are set. */
function defined(c: { tools?: boolean | undefined; json_schema?: boolean | undefined; images?: boolean | undefined } | undefined): Partial<Capabilities> {
  return {
    ...(c?.tools !== undefined ? { tools: c.tools } : {}),
    ...(c?.json_schema !== undefined ? { json_schema: c.json_schema } : {}),
    ...(c?.images !== undefined ? { images: c.images } : {}),
  };
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
      capabilities: { ...TYPE_CAPABILITIES[type], ...defined(endpoint?.capabilities) },
      modelCapabilities: Object.fromEntries(Object.entries(endpoint?.model_capabilities ?? {}).map(([m, c]) => [m, defined(c)])),
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
    topology: file.topology,
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
      maxRetryWaitMs: file.failover.max_retry_wait,
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
        latencyFactor: file.failover.outlier_ejection.latency_factor,
        latencyMinGapMs: file.failover.outlier_ejection.latency_min_gap,
      },
      hedging: {
        enabled: file.failover.hedging.enabled,
        delayMs: file.failover.hedging.delay,
        adaptive: file.failover.hedging.adaptive,
        factor: file.failover.hedging.factor,
        minDelayMs: file.failover.hedging.min_delay,
        maxDelayMs: file.failover.hedging.max_delay,
        minSamples: file.failover.hedging.min_samples,
        lastChance: file.failover.hedging.last_chance,
        budget: {
          ratio: file.failover.hedging.budget.ratio,
          minPerWindow: file.failover.hedging.budget.min_per_window,
          windowMs: file.failover.hedging.budget.window,
        },
      },
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
      dial: {
        router: resolveDial(file.services.router.dial, file.services.router.grpc),
        providerAgent: resolveDial(file.services.provider_agent.dial, file.services.provider_agent.address),
        cache: resolveDial(file.services.cache.dial, file.services.cache.address),
        health: resolveDial(file.services.health.dial, file.services.health.address),
      },
      simulator: sim,
      maxConnectionAgeMs: file.services.max_connection_age,
      heapGrowth: file.services.heap_growth,
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
      near: { ttlMs: file.cache.near.ttl, maxEntries: file.cache.near.max_entries },
      redis: {
        timeoutMs: file.cache.redis.timeout,
        breakerFailures: file.cache.redis.breaker_failures,
        breakerOpenMs: file.cache.redis.breaker_open,
      },
      ...(env['REDIS_URL'] ? { redisUrl: redisUrl(env['REDIS_URL'], source) } : {}),
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
    overload: resolveOverload(file.overload),
    ...(file.tls ? { tls: resolveTls(file.tls)! } : {}),
    breaker: breakerSection(file.breaker),
    retry: retrySection(file.retry),
    bulkhead: bulkheadSection(file.bulkhead),
    modes: {
      evaluateEveryMs: file.modes.evaluate_every,
      recoverAfter: file.modes.recover_after,
      ...(file.modes.max_recover_after !== undefined ? { maxRecoverAfter: file.modes.max_recover_after } : {}),
      routerStaleAfterMs: file.modes.router_stale_after,
      minServing: { router: file.modes.min_serving.router, providerAgent: file.modes.min_serving.provider_agent, cache: file.modes.min_serving.cache },
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
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Secret) && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** `REDIS_URL`, checked here so that a malformed one stops the start like a bad file (never printing it). */
function redisUrl(url: string, source: string): Secret {
  try {
    parseRedisUrl(url);
  } catch (e) {
    if (isRedisUrlError(e)) throw new ConfigError(source, [`REDIS_URL: ${e.message}`]);
    throw e;
  }
  return new Secret(url);
}

import http from 'node:http';
import { freePort, startRedis, startStack, type RedisServer, type Stack } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** An in-process OTLP/HTTP receiver (JSON encoding) that keeps every span it is sent. */
interface Span {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
}
const spans: Span[] = [];
const raw: string[] = [];
let receiver: http.Server;
let redis: RedisServer;
let stack: Stack;
const KEY = 'sk-ultra-telemetry-secret-0123456789';
/** The agent's HTTP client span for the provider call; the agent's own RPC server spans are `POST /ultra....`. */
const PROVIDER_CALL = /^POST$|^POST (?!\/ultra\.)/;

function attr(list: { key: string; value: Record<string, unknown> }[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, Object.values(a.value)[0]]));
}

async function until<T>(probe: () => T, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ask = (content: string) =>
  fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }] }),
  });

// The same trace in both topologies: in one process each service's spans keep its own service.name.
describe.each(['split', 'single'] as const)('one OpenTelemetry trace across every hop, topology %s', (topology) => {
  beforeAll(async () => {
    spans.length = 0;
    raw.length = 0;
    const port = await freePort();
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        raw.push(body);
        if (req.url === '/v1/traces') {
          const data = JSON.parse(body) as { resourceSpans: { resource: { attributes: never }; scopeSpans: { spans: { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes: never }[] }[] }[] };
          for (const rs of data.resourceSpans ?? []) {
            const service = String(attr(rs.resource.attributes)['service.name']);
            for (const ss of rs.scopeSpans) {
              for (const s of ss.spans) spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, attributes: attr(s.attributes) });
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(port, '127.0.0.1', r));
    redis = await startRedis();
    stack = await startStack({
      topology,
      simulate: 'never',
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        REDIS_URL: redis.url,
        OPENAI_API_KEY: KEY,
        ANTHROPIC_API_KEY: KEY,
        GEMINI_API_KEY: KEY,
        COHERE_API_KEY: KEY,
        ULTRA_LOG_LEVEL: 'debug',
      },
      extraConfig: 'endpoints:\n' + ['openai', 'anthropic', 'google', 'cohere']
        .map((p) => `  ${p}: { type: ${p === 'google' ? 'gemini' : p}, base_url: "http://127.0.0.1:SIMPORT/${p}${p === 'openai' ? '/v1' : ''}", api_key_env: ${p === 'google' ? 'GEMINI' : p.toUpperCase()}_API_KEY }\n`)
        .join('') + 'models:\n  chat: { openai: gpt-4o-mini, anthropic: claude-3-5-haiku-latest, google: gemini-2.0-flash, cohere: command-r }\n',
    });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    await redis?.stop();
    receiver?.close();
  });

  it('a request gives one trace with spans from router, cache, agent, Redis and the provider call, correctly parented', async () => {
    const res = await ask('trace me');
    expect(res.status).toBe(200);
    const root = await until(() => spans.find((s) => s.service === 'ultra-router' && s.name === 'POST /v1/chat/completions'), (s) => s !== undefined);
    expect(root).toBeDefined();
    const trace = await until(
      () => spans.filter((s) => s.traceId === root!.traceId),
      (t) =>
        ['ultra-cache', 'ultra-provider-agent'].every((svc) => t.some((s) => s.service === svc)) &&
        t.some((s) => s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis') &&
        // the provider call's HTTP client span, not the agent's RPC server span (`POST /ultra.provider_agent.v1...`)
        t.some((s) => PROVIDER_CALL.test(s.name) && s.service === 'ultra-provider-agent') &&
        t.some((s) => s.name === 'ultra.agent.attempt') &&
        t.some((s) => s.service === 'ultra-cache' && s.attributes['ultra.cache.layer'] !== undefined) &&
        // each service exports on its own schedule: a child (a Redis call) can arrive before its parent span
        t.every((s) => s === root || t.some((p) => p.spanId === s.parentSpanId)),
    );
    const services = new Set(trace.map((s) => s.service));
    expect([...services].sort()).toEqual(expect.arrayContaining(['ultra-cache', 'ultra-provider-agent', 'ultra-router']));
    expect(trace.some((s) => s.service === 'ultra-cache' && (s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis'))).toBe(true);
    expect(trace.some((s) => s.service === 'ultra-provider-agent' && s.name.startsWith('POST'))).toBe(true);
    expect(trace.some((s) => s.name === 'ultra.attempt' && s.attributes['ultra.outcome'] === 'ok')).toBe(true);
    const ids = new Set(trace.map((s) => s.spanId));
    const orphans = trace.filter((s) => s !== root && !ids.has(s.parentSpanId));
    expect(orphans.map((s) => `${s.service}:${s.name}`)).toEqual([]);
    // the router's steps, the agent's attempt with its breaker decision, the cache's layer
    expect(trace.filter((s) => s.service === 'ultra-router').map((s) => s.name)).toEqual(expect.arrayContaining(['ultra.admit', 'ultra.cache.lease', 'ultra.attempt']));
    const agentAttempt = trace.find((s) => s.name === 'ultra.agent.attempt')!;
    expect(agentAttempt.attributes).toMatchObject({ 'ultra.provider': expect.any(String), 'ultra.breaker.decision': 'allowed', 'ultra.outcome': 'ok' });
    expect(Number(agentAttempt.attributes['ultra.attempt'])).toBe(1);
    // the HTTP client's span, not the agent's own RPC server span (`POST /ultra.provider_agent.v1...`)
    const providerCall = trace.find((s) => s.service === 'ultra-provider-agent' && PROVIDER_CALL.test(s.name))!;
    expect(providerCall.parentSpanId).toBe(agentAttempt.spanId);
    expect(trace.find((s) => s.service === 'ultra-cache' && s.attributes['ultra.lease'] === 'granted')?.attributes['ultra.cache.layer']).toBe('none');
  });

  it("a cache hit's trace names the layer that answered", async () => {
    expect((await ask('trace me')).status).toBe(200);
    const roots = () => spans.filter((s) => s.service === 'ultra-router' && s.name === 'POST /v1/chat/completions');
    const hit = await until(
      () => roots().flatMap((r) => spans.filter((s) => s.traceId === r.traceId && s.service === 'ultra-cache' && s.attributes['ultra.cache.layer'] === 'local')),
      (found) => found.length > 0,
    );
    expect(hit.length).toBeGreaterThan(0);
  });

  it('a failover shows both attempts in the trace', async () => {
    for (const p of ['openai', 'anthropic']) {
      await fetch(`${stack.simUrl}/_sim/providers/${p}/faults`, { method: 'PUT', body: JSON.stringify({ errorRate: 1, errorStatus: 500 }) });
    }
    const roots = () => spans.filter((s) => s.service === 'ultra-router' && s.name === 'POST /v1/chat/completions');
    const before = roots().length;
    const res = await ask('fail over, traced');
    for (const p of ['openai', 'anthropic']) await fetch(`${stack.simUrl}/_sim/providers/${p}/faults`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    const root = await until(() => roots()[before], (s) => s !== undefined);
    const attempts = await until(
      () => spans.filter((s) => s.traceId === root!.traceId && s.name === 'ultra.attempt'),
      (a) => a.some((s) => s.attributes['ultra.outcome'] === 'ok') && a.some((s) => s.attributes['ultra.outcome'] === 'server_error'),
    );
    expect(attempts.map((s) => `${s.attributes['ultra.provider']}:${s.attributes['ultra.outcome']}`)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(openai|anthropic):server_error$/), expect.stringMatching(/^(google|cohere):ok$/)]),
    );
  });

  it('/metrics shows the counters moved', async () => {
    const text = await (await fetch(`http://127.0.0.1:${stack.ports.routerHttp}/metrics`)).text();
    expect(text).toMatch(/ultra_requests_total\{[^}]*outcome="ok"[^}]*\} [1-9]/);
    expect(text).toMatch(/ultra_provider_attempts_total\{[^}]*outcome="ok"[^}]*\} [1-9]/);
    expect(text).toMatch(/ultra_request_duration_seconds_bucket/);
    expect(text).toMatch(/ultra_mode\{[^}]*\} [1-4]/);
  });

  /** What the service at `name` serves at its own metrics address (it logs where). */
  async function scrape(name: 'agent' | 'cache'): Promise<string> {
    // (in one process every service logs to the same output: the line of this service)
    const service = name === 'agent' ? 'provider-agent' : 'cache';
    const line = await until(() => stack.processes[name].output.find((l) => l.includes('metrics on http://') && l.includes(`"service":"${service}"`)), (l) => l !== undefined);
    const url = /metrics on (http:\/\/[^ "]+\/metrics)/.exec(line!)![1]!;
    return (await fetch(url)).text();
  }

  it("the agent's and the cache's metrics show breaker states, attempts, retries and hits per layer", async () => {
    const agent = await scrape('agent');
    expect(agent).toMatch(/ultra_breaker_state\{[^}]*provider="google"[^}]*state="closed"[^}]*\} 1/);
    expect(agent).toMatch(/ultra_breaker_state\{[^}]*provider="google"[^}]*state="open"[^}]*\} 0/);
    expect(agent).toMatch(/ultra_agent_attempts_total\{[^}]*outcome="ok"[^}]*\} [1-9]/);
    // the failover test's server errors: every provider got one, and the agent retried
    expect(agent).toMatch(/ultra_agent_attempts_total\{[^}]*outcome="server_error"[^}]*\} [1-9]/);
    expect(agent).toMatch(/ultra_agent_retries_total\{[^}]*outcome="server_error"[^}]*\} [1-9]/);
    const cache = await scrape('cache');
    expect(cache).toMatch(/ultra_cache_hits_total\{[^}]*layer="local"[^}]*\} [1-9]/);
    expect(cache).toMatch(/ultra_cache_misses_total(\{[^}]*\})? [1-9]/);
    // a Redis call that timed out on a loaded machine marks the cache degraded until its next resync:
    // what must hold is that, with Redis up, the gauge says so
    const up = /ultra_cache_redis_up(\{[^}]*\})? 1/;
    let now = cache;
    for (const end = Date.now() + 15_000; !up.test(now) && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 250));
      now = await scrape('cache');
    }
    expect(now).toMatch(up);
  });

  it('no exported span, log line or metric contains the provider key', async () => {
    await until(() => raw.length, (n) => n > 0);
    for (const body of raw) expect(body).not.toContain(KEY);
    for (const p of Object.values(stack.processes)) expect(p.output.join('\n')).not.toContain(KEY);
    expect(await (await fetch(`http://127.0.0.1:${stack.ports.routerHttp}/metrics`)).text()).not.toContain(KEY);
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, repoPath, startProcess, startRedis, waitFor, type RedisServer, type ServiceProcess } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForwarder, startPrometheus, toolMissing, type Prometheus } from './observability/prometheus.ts';

const RULES = repoPath('deploy/observability/alert-rules.yaml');

/** The TypeScript sources under `dir` (repository-relative), tests and build output left out. */
function sourceFiles(dir: string): string[] {
  return readdirSync(repoPath(dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('/dist/') && !f.includes('node_modules'))
    .map((f) => join(dir, f));
}
const dashboard = JSON.parse(readFileSync(repoPath('deploy/observability/grafana-dashboard.json'), 'utf8')) as {
  panels: { title: string; targets: { expr: string }[] }[];
};
const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, expr: t.expr })));

const noPromtool = toolMissing('promtool');
const noPrometheus = toolMissing('prometheus');
for (const why of new Set([noPromtool, noPrometheus])) if (why) console.warn(`test/observability.test.ts: some tests skipped: ${why}`);

describe('deploy/observability: the alert rules and the dashboard', () => {
  it('is a Grafana dashboard whose panels all query the chosen Prometheus data source', () => {
    const d = JSON.parse(readFileSync(repoPath('deploy/observability/grafana-dashboard.json'), 'utf8')) as {
      uid: string;
      templating: { list: { name: string; type: string; query: string }[] };
      panels: { id: number; title: string; gridPos: { x: number; w: number }; datasource: { uid: string }; targets: { refId: string; expr: string }[] }[];
    };
    expect(d.uid).toBe('ultra-overview');
    expect(d.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
    for (const p of d.panels) {
      expect(p.datasource.uid, p.title).toBe('${datasource}');
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      expect(new Set(p.targets.map((t) => t.refId)).size, p.title).toBe(p.targets.length);
    }
    // The five the issue names are on it.
    for (const m of ['ultra_breaker_state', 'ultra_mode', 'ultra_queue_dead_letters', 'ultra_cache_hits_total', 'ultra_requests_total']) {
      expect(exprs.some((e) => e.expr.includes(m)), m).toBe(true);
    }
  });

  it('queries only metrics the services export, as do the dashboard panels', () => {
    const exported = new Set(
      // Every metric a service defines, wherever its wiring keeps it (start.ts, *-metrics.ts, ...).
      sourceFiles('services').flatMap((f) =>
        // createCounter, createObservableGauge, ..., and the router's queue `gauge(` helper.
        [...readFileSync(repoPath(f), 'utf8').matchAll(/(?:create(?:Observable)?(Counter|Gauge|Histogram)|gauge)\('(ultra_[a-z_]+)'/g)].map((m) =>
          // The Prometheus exporter adds _total to counters.
          m[1] === 'Counter' ? `${m[2]}_total` : m[2]!,
        ),
      ),
    );
    const used = (text: string) => [...text.matchAll(/\b(ultra_[a-z_]+?)(_bucket)?\b/g)].map((m) => m[1]!);
    expect(used(readFileSync(RULES, 'utf8')).filter((n) => !exported.has(n))).toEqual([]);
    expect(exprs.flatMap((e) => used(e.expr)).filter((n) => !exported.has(n))).toEqual([]);
  });
});

describe.skipIf(noPromtool !== undefined)('deploy/observability/alert-rules.yaml in promtool', () => {
  it('loads in promtool check rules', () => {
    const r = spawnSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('SUCCESS: 8 rules found');
    expect(r.status).toBe(0);
  });

  it('fires each alert on the series that should raise it, and none on healthy ones (promtool test rules)', () => {
    const r = spawnSync('promtool', ['test', 'rules', repoPath('test/observability/alert-rules.test.yaml')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});

/**
 * The four services as processes on loopback with Redis, each dialled through a forwarder
 * (the stand-in for its Service address, apart from where it listens), scraped by a real
 * Prometheus that also loads the alert rules.
 */
describe.skipIf(noPrometheus !== undefined)('a real Prometheus scraping a running stack', () => {
  let redis: RedisServer;
  let prometheus: Prometheus;
  const processes: ServiceProcess[] = [];
  const forwarders: Record<string, Awaited<ReturnType<typeof startForwarder>>> = {};
  let http = 0;
  let sim = 0;

  beforeAll(async () => {
    redis = await startRedis();
    const port = { grpc: await freePort(), agent: await freePort(), cache: await freePort(), health: await freePort() };
    http = await freePort();
    sim = await freePort();
    const metrics = [await freePort(), await freePort(), await freePort(), await freePort()];
    for (const [name, p] of Object.entries(port)) forwarders[name] = await startForwarder(p);
    const dir = mkdtempSync(join(tmpdir(), 'ultra-observability-'));
    const configFile = join(dir, 'ultra.yaml');
    writeFileSync(
      configFile,
      `providers:
  primary: [openai, anthropic]
  secondary: [google, cohere]
health_check: { interval: 10s, timeout: 5s, threshold: 3 }
failover: { strategy: round-robin, sticky_sessions: true, cooldown: 300s }
simulate: always
services:
  router: { grpc: 127.0.0.1:${port.grpc}, http: 127.0.0.1:${http}, metrics: 127.0.0.1:${metrics[0]}, dial: 127.0.0.1:${forwarders['grpc']!.port} }
  provider_agent: { address: 127.0.0.1:${port.agent}, metrics: 127.0.0.1:${metrics[1]}, dial: [127.0.0.1:${forwarders['agent']!.port}] }
  cache: { address: 127.0.0.1:${port.cache}, metrics: 127.0.0.1:${metrics[2]}, dial: 127.0.0.1:${forwarders['cache']!.port} }
  health: { address: 127.0.0.1:${port.health}, metrics: 127.0.0.1:${metrics[3]}, dial: 127.0.0.1:${forwarders['health']!.port} }
  simulator: { address: 127.0.0.1:${sim} }
shutdown: { grace: 5s }
`,
    );
    const env = { ULTRA_LOG_LEVEL: 'warn', REDIS_URL: redis.url };
    const simulator = startProcess('provider-sim', 'libs/provider-sim/src/main.ts', ['--host', '127.0.0.1', '--port', String(sim)], { env, readyLine: /listening on/ });
    processes.push(simulator);
    await simulator.ready;
    for (const [name, entry] of [['cache', 'services/cache/src/main.ts'], ['provider-agent', 'services/provider-agent/src/main.ts'], ['health', 'services/health/src/main.ts'], ['router', 'services/router/src/main.ts']] as const) {
      processes.push(startProcess(name, entry, ['--config', configFile], { env }));
    }
    // Prometheus starts beside them: a scrape of a service not up yet just fails.
    [prometheus] = await Promise.all([startPrometheus(metrics.map((m) => `127.0.0.1:${m}`), [RULES]), ...processes.map((p) => p.ready)]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGTERM')));
    for (const f of Object.values(forwarders)) f.close();
    await prometheus?.stop();
    await redis?.stop();
  });

  const chat = (content: string) =>
    fetch(`http://127.0.0.1:${http}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }] }),
    });
  const faults = (provider: string, body: object) =>
    fetch(`http://127.0.0.1:${sim}/_sim/providers/${provider}/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('comes up NORMAL with every service reached at its dial address, not where it listens', async () => {
    await waitFor(async () => (await prometheus.query('max(ultra_mode) == 1')).length === 1, { timeoutMs: 30_000, intervalMs: 250, what: 'ultra_mode 1 (NORMAL) in Prometheus' });
    const answer = await chat('hello, Prometheus');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-ultra-mode')).toBe('NORMAL');
    for (const [name, f] of Object.entries(forwarders)) expect(f.connections(), `connections through ${name}'s dial address`).toBeGreaterThan(0);
  });

  it('finds every series the dashboard queries, and evaluates every alert rule', async () => {
    // A hit, a failover (openai failing), and a request no provider can answer.
    expect((await chat('hello, Prometheus')).headers.get('x-ultra-served-from')).toBe('cache');
    await faults('openai', { errorRate: 1, errorStatus: 503 });
    expect((await chat('fail over, please')).status).toBe(200);
    for (const p of ['anthropic', 'google', 'cohere']) await faults(p, { errorRate: 1, errorStatus: 503 });
    expect((await chat('nobody can answer this')).status).toBe(503);
    const empty = async () => {
      const out: string[] = [];
      for (const e of exprs) if ((await prometheus.query(e.expr)).length === 0) out.push(`${e.panel}: ${e.expr}`);
      return out;
    };
    await waitFor(async () => (await empty()).length === 0, { timeoutMs: 20_000, intervalMs: 500, what: 'a result for every dashboard query' }).catch(() => undefined);
    expect(await empty()).toEqual([]);
    const rules = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    expect(loaded).toHaveLength(8);
    await waitFor(async () => {
      const r = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as typeof rules;
      return r.data.groups.flatMap((g) => g.rules).every((x) => x.health === 'ok');
    }, { timeoutMs: 5_000, intervalMs: 250, what: 'every rule evaluated without error' });
  }, 60_000);
});

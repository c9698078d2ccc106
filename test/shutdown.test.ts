import { freePort, killRedis, startProcess, startRedis, waitFor, type RedisServer, type ServiceProcess } from '@ultra/testkit';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { childrenOf, defaultGraceConfig, killAll, survivors, ultraStart } from './shutdown-helpers.ts';

// Issue #23: every service exits when told to, even during a Redis outage. The config is
// the stack's on free ports with the default shutdown.grace; each bound below is that grace
// plus 2 s, measured from the signal.
const SERVICES = [
  ['cache', 'services/cache/src/main.ts'],
  ['provider-agent', 'services/provider-agent/src/main.ts'],
  ['health', 'services/health/src/main.ts'],
  ['router', 'services/router/src/main.ts'],
] as const;

const started = new Set<number>();
let redis: RedisServer | undefined;
afterEach(async () => {
  killAll(started);
  started.clear();
  if (redis) await killRedis(redis);
  redis = undefined;
});

/** Sends SIGTERM and resolves with the exit status and the milliseconds the exit took. */
async function terminate(p: ServiceProcess, boundMs: number): Promise<{ name: string; status: number | string; ms: number }> {
  const t0 = performance.now();
  p.proc.kill('SIGTERM');
  const status = await Promise.race([p.exited, new Promise<string>((r) => setTimeout(() => r('still running'), boundMs + 5_000).unref())]);
  return { name: p.name, status, ms: performance.now() - t0 };
}

describe('shutdown during a Redis outage', () => {
  it('each service, Redis killed then SIGTERM, its span exporter with nowhere to send, exits 0 within shutdown.grace + 2 s', async () => {
    const { file, graceMs } = await defaultGraceConfig();
    redis = await startRedis();
    // A collector that takes connections and never answers.
    const held: Socket[] = [];
    const collector = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => {
      for (const socket of held) socket.destroy();
      collector.close();
    });
    const otlp = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const env = { REDIS_URL: redis.url, ULTRA_LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: otlp };
    const procs = SERVICES.map(([name, entry]) => startProcess(name, entry, ['--config', file], { env }));
    for (const p of procs) started.add(p.proc.pid!);
    await Promise.all(procs.map((p) => p.ready));
    await killRedis(redis);
    // The cache and the router's queue have seen the outage: their clients are reconnecting.
    const [cache, , , router] = procs;
    await waitFor(() => cache!.output.some((l) => l.includes('redis unreachable')) && router!.output.some((l) => l.includes('queue: Redis error')), { timeoutMs: 60_000, what: 'the outage to be seen' });
    const stops = await Promise.all(procs.map((p) => terminate(p, graceMs + 2_000)));
    for (const s of stops) {
      expect(s.status, `${s.name} exit status`).toBe(0);
      expect(s.ms, `${s.name} took ${Math.round(s.ms)} ms`).toBeLessThan(graceMs + 2_000);
    }
  }, 240_000);

  it('each service, SIGTERM during start-up with Redis unreachable, drains and exits 0 within shutdown.grace + 2 s', async () => {
    const { file, graceMs } = await defaultGraceConfig();
    const env = { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, ULTRA_LOG_LEVEL: 'info' };
    const procs = SERVICES.map(([name, entry]) => startProcess(name, entry, ['--config', file], { env }));
    for (const p of procs) started.add(p.proc.pid!);
    // "starting" is printed once the signal handlers are in place, before start-up proper.
    const stops = await Promise.all(
      procs.map(async (p) => {
        await waitFor(() => p.output.some((l) => l.includes(`${p.name} starting`)), { timeoutMs: 150_000, what: `${p.name} to start` });
        return terminate(p, graceMs + 2_000);
      }),
    );
    for (const s of stops) {
      expect(s.status, `${s.name} exit status`).toBe(0);
      expect(s.ms, `${s.name} took ${Math.round(s.ms)} ms`).toBeLessThan(graceMs + 2_000);
    }
  }, 240_000);
});

describe('ultra start stopped as a process manager stops it: SIGTERM to its group, SIGKILL 1 s later', () => {
  // single (the default): the simulator and one process of all four services; split: one process each.
  it.each([
    { topology: 'single' as const, processes: 2 },
    { topology: 'split' as const, processes: 5 },
  ])('($topology) during a Redis outage, with a stream in flight: no child outlives shutdown.grace + 2 s', async ({ topology, processes }) => {
    const { file, ports, graceMs } = await defaultGraceConfig();
    redis = await startRedis();
    const ultra = ultraStart(file, { REDIS_URL: redis.url, OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', GEMINI_API_KEY: '', COHERE_API_KEY: '' }, topology);
    started.add(ultra.pid);
    await ultra.printed(/^ultra: ready/);
    const children = childrenOf(ultra.pid);
    for (const pid of children) started.add(pid);
    expect(children).toHaveLength(processes);
    await killRedis(redis);
    await ultra.printed(/redis unreachable/, 60_000);
    // A slow stream, so that the router is still draining when the supervisor is killed.
    for (const name of ['openai', 'anthropic', 'google', 'cohere']) {
      await fetch(`http://127.0.0.1:${ports.simulator}/_sim/providers/${name}/faults`, { method: 'PUT', body: JSON.stringify({ chunkDelayMs: 500, chunks: 200 }) });
    }
    const stream = await fetch(`http://127.0.0.1:${ports.routerHttp}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ultra-cache': 'no-store' },
      body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'a long answer' }] }),
    });
    const reader = stream.body!.getReader();
    await reader.read();
    ultra.signalGroup('SIGTERM');
    await ultra.printed(/router draining \(\d+ in flight\)/, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the process manager's 1 s, not a wait for behaviour
    ultra.signalGroup('SIGKILL');
    void reader.cancel().catch(() => undefined);
    expect(await survivors(children, graceMs + 2_000)).toEqual([]);
  }, 240_000);

  it('(split) during start-up, Redis unreachable: the child starting and the ones up all exit within shutdown.grace + 2 s', async () => {
    const { file, graceMs } = await defaultGraceConfig();
    const ultra = ultraStart(file, { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', GEMINI_API_KEY: '', COHERE_API_KEY: '' }, 'split');
    started.add(ultra.pid);
    await ultra.printed(/^ultra: cache is up/);
    // provider-agent is being started now (the supervisor starts one child at a time).
    await waitFor(() => childrenOf(ultra.pid).length === 3, { timeoutMs: 10_000, what: 'provider-agent to be forked' });
    const children = childrenOf(ultra.pid);
    for (const pid of children) started.add(pid);
    ultra.signalGroup('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the process manager's 1 s
    ultra.signalGroup('SIGKILL');
    expect(await survivors(children, graceMs + 2_000)).toEqual([]);
    expect(ultra.lines.some((l) => /router is up/.test(l))).toBe(false);
  }, 240_000);
});

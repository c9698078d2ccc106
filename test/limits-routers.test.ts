import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freeStackPorts, killRedis, pollUntil, stackConfig, startProcess, startRedis, type RedisServer, type ServiceProcess } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Per-key limits across two real router processes and a real `redis-server` (issue #20):
 * a 60/min key admits at most 60 of 120 requests over both routers, at most 62 with Redis
 * stopped (each router falls back to its share, the limit divided by the routers it last
 * counted alive), and the 5 of a key's 10 concurrency slots held by a router that is
 * SIGKILLed expire, so that all 10 are admitted again within 60 s (leases of 30 s).
 */
const hash = (k: string) => `sha256:${createHash('sha256').update(k).digest('hex')}`;
const KEYS = { rate: 'ultra-test-key-rate-0001', fallback: 'ultra-test-key-fallback-0002', slots: 'ultra-test-key-slots-0003' } as const;
let procs: ServiceProcess[] = [];
let routers: ServiceProcess[] = [];
let redis: RedisServer | undefined;
const routerHttp: number[] = [];
let simUrl = '';

/** One request with `key` through router `r`; its status (0: no answer at all). */
async function ask(r: number, key: string, i: number): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${routerHttp[r]}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-ultra-cache': 'no-store' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `question ${i} ${Math.random()}` }], max_tokens: 8 }),
      signal: AbortSignal.timeout(20_000),
    });
    await res.text();
    return res.status;
  } catch {
    return 0;
  }
}

/** 120 requests with `key`, alternating routers, 4 at a time; the statuses. */
async function oneTwenty(key: string): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = next++; i < 120; i = next++) statuses.push(await ask(i % 2, key, i));
    }),
  );
  return statuses;
}

/**
 * Answers that take about `ms` × 4 to stream (the first token at once, so the breaker sees
 * no slow provider): requests that hold their slots that long.
 */
const slowChunks = (ms: number) => fetch(`${simUrl}/_sim/providers/openai/faults`, { method: 'PUT', body: JSON.stringify({ chunkDelayMs: ms, chunks: 4 }) });

beforeAll(async () => {
  const ports = await freeStackPorts();
  const second = { grpc: await freePort(), http: await freePort() };
  routerHttp.push(ports.routerHttp, second.http);
  simUrl = `http://127.0.0.1:${ports.simulator}`;
  redis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'ultra-limits-'));
  const base = stackConfig(ports, `auth:
  keys:
    - { name: rate, hash: "${hash(KEYS.rate)}", requests_per_minute: 60 }
    - { name: fallback, hash: "${hash(KEYS.fallback)}", requests_per_minute: 60 }
    - { name: slots, hash: "${hash(KEYS.slots)}", concurrency: 10 }
`, { providers: 'primary: [openai]', failover: '{ strategy: round-robin, sticky_sessions: false }' });
  const routerLine = `router: { grpc: 127.0.0.1:${ports.router}, http: 127.0.0.1:${ports.routerHttp}, metrics: 127.0.0.1:0 }`;
  if (!base.includes(routerLine)) throw new Error('stackConfig changed: update this test');
  const first = join(dir, 'ultra.yaml');
  const other = join(dir, 'router-b.yaml');
  writeFileSync(first, base);
  writeFileSync(other, base.replace(routerLine, `router: { grpc: 127.0.0.1:${second.grpc}, http: 127.0.0.1:${second.http}, metrics: 127.0.0.1:0 }`));
  const env = { ULTRA_LOG_LEVEL: 'warn', REDIS_URL: redis.url };
  const sim = startProcess('provider-sim', 'libs/provider-sim/src/main.ts', ['--host', '127.0.0.1', '--port', String(ports.simulator)], { env, readyLine: /listening on/ });
  procs.push(sim);
  await sim.ready;
  procs.push(startProcess('agent', 'services/provider-agent/src/main.ts', ['--config', first], { env }), startProcess('cache', 'services/cache/src/main.ts', ['--config', first], { env }), startProcess('health', 'services/health/src/main.ts', ['--config', first], { env }));
  await Promise.all(procs.map((p) => p.ready));
  // The routers log at info, for their fleet count.
  const routerEnv = { ...env, ULTRA_LOG_LEVEL: 'info' };
  routers = [startProcess('router-a', 'services/router/src/main.ts', ['--config', first], { env: routerEnv }), startProcess('router-b', 'services/router/src/main.ts', ['--config', other], { env: routerEnv })];
  procs.push(...routers);
  await Promise.all(procs.map((p) => p.ready));
  for (const r of [0, 1]) await pollUntil(`router ${r} answers`, () => ask(r, KEYS.slots, -1), (s) => s === 200);
}, 150_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGTERM')));
  procs = [];
  await redis?.stop();
});

describe('a key’s limits across two routers', () => {
  it('a 60/min key: at most 60 of 120 accepted over both routers; the rest refused as over the limit', async () => {
    const statuses = await oneTwenty(KEYS.rate);
    const accepted = statuses.filter((s) => s === 200).length;
    console.info(`with Redis: ${accepted} of 120 accepted`);
    expect(accepted).toBeLessThanOrEqual(60);
    expect(accepted).toBeGreaterThanOrEqual(58);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
  }, 60_000);

  it('a 60/min key with Redis stopped: at most 62 of 120 accepted, each router admitting its share (60 / the 2 routers it counted)', async () => {
    await pollUntil('both routers count two', async () => routers.every((p) => p.output.some((l) => /router fleet: 2 routers alive/.test(l))), Boolean);
    await killRedis(redis!);
    const statuses = await oneTwenty(KEYS.fallback);
    const accepted = statuses.filter((s) => s === 200).length;
    console.info(`with Redis stopped: ${accepted} of 120 accepted; not accepted: ${[...new Set(statuses.filter((s) => s !== 200))].join(', ')}`);
    expect(accepted).toBeLessThanOrEqual(62);
    expect(accepted).toBeGreaterThanOrEqual(58);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    // Redis back on its port: the routers reconnect and count each other again.
    redis = await startRedis(redis!.port);
    const { Redis } = await import('ioredis');
    const probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      await pollUntil('both routers heartbeating again', () => probe.zcard('ultra:router:live'), (n) => n === 2);
    } finally {
      probe.disconnect();
    }
  }, 90_000);

  it('a router SIGKILLed holding 5 of a key’s 10 slots: all 10 admitted again within 60 s', async () => {
    await slowChunks(2_000);
    const held = Array.from({ length: 5 }, (_, i) => ask(0, KEYS.slots, 1000 + i));
    await new Promise((r) => setTimeout(r, 1_500)); // the five are admitted and waiting on the provider
    expect(await routers[0]!.stop('SIGKILL')).toBe('SIGKILL');
    const killed = performance.now();
    await Promise.all(held);
    await slowChunks(300);
    const bursts: number[] = [];
    for (;;) {
      const statuses = await Promise.all(Array.from({ length: 10 }, (_, i) => ask(1, KEYS.slots, 2000 + bursts.length * 10 + i)));
      bursts.push(statuses.filter((s) => s === 200).length);
      if (bursts.length === 1) console.info(`first burst after the SIGKILL: ${statuses.join(', ')}`);
      if (bursts.at(-1) === 10 || performance.now() - killed > 60_000) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const after = (performance.now() - killed) / 1000;
    console.info(`after the SIGKILL, admitted of 10 per burst: ${bursts.join(', ')}; all 10 after ${after.toFixed(1)} s`);
    expect(bursts[0]).toBe(5); // the dead router's five slots were still held; the other five free
    expect(bursts.at(-1)).toBe(10);
    expect(after).toBeLessThanOrEqual(60);
    await slowChunks(0);
  }, 120_000);
});

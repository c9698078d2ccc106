import { readFileSync, writeFileSync } from 'node:fs';
import { freePort, startProcess, startRedis, startStack, type RedisServer, type ServiceProcess, type Stack } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let redis: RedisServer;
let stack: Stack;
let second: ServiceProcess;
let secondHttp: number;

beforeAll(async () => {
  redis = await startRedis();
  stack = await startStack({ env: { REDIS_URL: redis.url }, extraConfig: 'cache: { lease: { wait: 20s } }\n' });
  // A second router replica over the same cache, agent and Redis.
  const grpc = await freePort();
  secondHttp = await freePort();
  const file = stack.configFile.replace(/\.yaml$/, '-router2.yaml');
  writeFileSync(
    file,
    readFileSync(stack.configFile, 'utf8')
      .replace(`grpc: 127.0.0.1:${stack.ports.router}`, `grpc: 127.0.0.1:${grpc}`)
      .replace(`http: 127.0.0.1:${stack.ports.routerHttp}`, `http: 127.0.0.1:${secondHttp}`),
  );
  second = startProcess('router-2', 'services/router/src/main.ts', ['--config', file], { env: { REDIS_URL: redis.url, ULTRA_LOG_LEVEL: 'warn' } });
  await second.ready;
}, 90_000);

afterAll(async () => {
  await second?.stop();
  await stack?.stop();
  await redis?.stop();
});

async function providerCalls(): Promise<number> {
  const stats = (await (await fetch(`${stack.simUrl}/_sim/stats`)).json()) as { providers: Record<string, { requests: number; probes: number }> };
  return Object.values(stats.providers).reduce((n, s) => n + s.requests - s.probes, 0);
}

describe('leases across router replicas', () => {
  it('50 identical requests split over two routers make one provider call; the rest get its answer', async () => {
    for (const p of ['openai', 'anthropic', 'google', 'cohere']) {
      await fetch(`${stack.simUrl}/_sim/providers/${p}/faults`, { method: 'PUT', body: JSON.stringify({ latencyMs: 800 }) });
    }
    const before = await providerCalls();
    const body = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'a stampede of one question' }] });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        fetch(`http://127.0.0.1:${i % 2 === 0 ? stack.ports.routerHttp : secondHttp}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        }).then(async (r) => ({ status: r.status, from: r.headers.get('x-ultra-served-from'), text: ((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content })),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.text)).size).toBe(1);
    expect(await providerCalls()).toBe(before + 1);
    // one router's callers share its one call (coalescing); the other router's get it through the lease
    expect(results.filter((r, i) => i % 2 === 1).every((r) => r.from === 'cache') || results.filter((r, i) => i % 2 === 0).every((r) => r.from === 'cache')).toBe(true);
  }, 60_000);
});

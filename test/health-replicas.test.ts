import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Mode } from '@ultra/contracts/chat';
import { ComponentStatus, HealthService } from '@ultra/contracts/health';
import { freePort, pollUntil, startProcess, startRedis, stopRedis, type RedisServer, type ServiceProcess } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue #20, the health service as a fleet: real processes on one real Redis, two health
 * replicas, two routers (router 1 follows health 1 only, router 2 health 2 only, so what
 * they agree on is what the replicas agree on), two provider-agents and one cache; every
 * default but the addresses.
 * - SIGTERM of one agent replica changes no mode: health watches both and the other serves;
 * - a pin set on one health replica reaches both routers within 2 s (pins live in Redis);
 * - an unpin on the other replica frees both.
 */
const procs: ServiceProcess[] = [];
let redis: RedisServer;
const port: Record<string, number> = {};
let agentB: ServiceProcess;

/** One chat request through a router's OpenAI front door; its `x-ultra-mode`. */
async function modeAt(router: 'r1' | 'r2'): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port[`${router}Http`]}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ultra-cache': 'no-store' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `mode? ${Math.random()}` }], max_tokens: 8 }),
    signal: AbortSignal.timeout(10_000),
  });
  await res.text();
  return res.headers.get('x-ultra-mode') ?? `(no mode header, HTTP ${res.status})`;
}

/** A health replica's client (gRPC, as `ultra status` and the routers call it). */
const health = (replica: 'h1' | 'h2') => createClient(HealthService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port[replica]}` }));
const history = async (replica: 'h1' | 'h2') => (await health(replica).getStatus({})).history.map((h) => `${Mode[h.from]}→${Mode[h.to]}`);
const agentsComponent = async (replica: 'h1' | 'h2') => (await health(replica).getStatus({})).status?.components.find((c) => c.name.startsWith('provider-agent@'));

beforeAll(async () => {
  redis = await startRedis();
  for (const name of ['sim', 'r1', 'r1Http', 'r2', 'r2Http', 'a', 'b', 'cache', 'h1', 'h2']) port[name] = await freePort();
  const at = (name: string) => `127.0.0.1:${port[name]}`;
  const dir = mkdtempSync(join(tmpdir(), 'ultra-health-replicas-'));
  const config = (name: string, own: { router?: 'r1' | 'r2'; agent?: 'a' | 'b'; health?: 'h1' | 'h2' }) => {
    const r = own.router ?? 'r1';
    // Each router follows one health replica; everything else dials every replica.
    const healthDial = own.router ? `[${at(own.router === 'r1' ? 'h1' : 'h2')}]` : `[${at('h1')}, ${at('h2')}]`;
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      `providers:
  primary: [openai, anthropic]
simulate: always
services:
  router: { grpc: ${at(r)}, http: ${at(`${r}Http`)}, metrics: 127.0.0.1:0, dial: [${at('r1')}, ${at('r2')}] }
  provider_agent: { address: ${at(own.agent ?? 'a')}, metrics: 127.0.0.1:0, dial: [${at('a')}, ${at('b')}] }
  cache: { address: ${at('cache')}, metrics: 127.0.0.1:0 }
  health: { address: ${at(own.health ?? 'h1')}, metrics: 127.0.0.1:0, dial: ${healthDial} }
  simulator: { address: ${at('sim')} }
shutdown: { grace: 2s }
`,
    );
    return ['--config', file];
  };
  const env = { ULTRA_LOG_LEVEL: 'warn', REDIS_URL: `redis://127.0.0.1:${redis.port}` };
  const sim = startProcess('provider-sim', 'libs/provider-sim/src/main.ts', ['--host', '127.0.0.1', '--port', String(port['sim'])], { env, readyLine: /listening on/ });
  procs.push(sim);
  await sim.ready;
  agentB = startProcess('agent-b', 'services/provider-agent/src/main.ts', config('agent-b', { agent: 'b' }), { env });
  procs.push(
    startProcess('agent-a', 'services/provider-agent/src/main.ts', config('agent-a', { agent: 'a' }), { env }),
    agentB,
    startProcess('cache', 'services/cache/src/main.ts', config('cache', {}), { env }),
    startProcess('health-1', 'services/health/src/main.ts', config('health-1', { health: 'h1' }), { env }),
    startProcess('health-2', 'services/health/src/main.ts', config('health-2', { health: 'h2' }), { env }),
  );
  await Promise.all(procs.map((p) => p.ready));
  procs.push(
    startProcess('router-1', 'services/router/src/main.ts', config('router-1', { router: 'r1' }), { env }),
    startProcess('router-2', 'services/router/src/main.ts', config('router-2', { router: 'r2' }), { env }),
  );
  await Promise.all(procs.map((p) => p.ready));
  for (const r of ['r1', 'r2'] as const) await pollUntil(`${r} in NORMAL`, () => modeAt(r), (m) => m === 'NORMAL', 30_000);
}, 90_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGTERM')));
  if (redis) await stopRedis(redis);
});

describe('health replicas on one Redis, two routers each following one of them', () => {
  it('SIGTERM of one provider-agent replica changes no mode: the other serves', async () => {
    const before = { h1: await history('h1'), h2: await history('h2') };
    await agentB.stop('SIGTERM');
    // Both replicas have seen agent b go: the agent component says one of two serves.
    for (const h of ['h1', 'h2'] as const) {
      const seen = await pollUntil(`${h} sees one of two agents serving`, () => agentsComponent(h), (c) => c?.detail === '1 of 2 replicas serving', 15_000);
      expect(seen?.status).toBe(ComponentStatus.SERVING);
    }
    expect({ h1: await history('h1'), h2: await history('h2') }).toEqual(before);
    expect([await modeAt('r1'), await modeAt('r2')]).toEqual(['NORMAL', 'NORMAL']);
  }, 60_000);

  it('a pin set on one health replica reaches both routers within 2 s; an unpin on the other frees both', async () => {
    await health('h1').pinMode({ mode: Mode.CRITICAL, durationMs: 600_000n, reason: 'fleet drill' });
    const pinnedAt = Date.now();
    await Promise.all((['r1', 'r2'] as const).map((r) => pollUntil(`${r} in CRITICAL`, () => modeAt(r), (m) => m === 'CRITICAL', 2_000)));
    const reached = Date.now() - pinnedAt;
    console.info(`pin on health 1 reached both routers in ${reached} ms`);
    expect(reached).toBeLessThanOrEqual(2_000);

    await health('h2').unpinMode({});
    await Promise.all((['r1', 'r2'] as const).map((r) => pollUntil(`${r} back in NORMAL`, () => modeAt(r), (m) => m === 'NORMAL', 5_000)));
  }, 30_000);
});

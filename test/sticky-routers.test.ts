import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freeStackPorts, pollUntil, stackConfig, startProcess, type ServiceProcess } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Sticky sessions across two real router processes (issue #20): each of 200 sessions whose
 * requests alternate between the routers stays on one provider, and when that provider dies
 * each of its sessions moves to one new provider, the same whichever router serves it, while the
 * other sessions stay. Nothing is shared between the routers (rendezvous hashing).
 */
const SESSIONS = Array.from({ length: 200 }, (_, i) => `user-${i}`);
let procs: ServiceProcess[] = [];
let simUrl = '';
const routers: number[] = [];

/** Requests that went to more than one provider (their `x-ultra-attempts`), for the failure message. */
const failedOver: string[] = [];

/** One request of `session` through router `r`; the provider that answered. */
async function ask(r: number, session: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${routers[r]}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ultra-cache': 'no-store', 'x-ultra-session': session },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `hello from ${session}` }], max_tokens: 8 }),
    signal: AbortSignal.timeout(15_000),
  });
  await res.text();
  if (res.status !== 200) throw new Error(`${session} via router ${r}: HTTP ${res.status}`);
  const attempts = res.headers.get('x-ultra-attempts') ?? '';
  if (attempts.includes(',')) failedOver.push(`${session} via router ${r}: ${attempts}`);
  return res.headers.get('x-ultra-provider') ?? '';
}

/** `rounds` requests of every session, alternating routers, 8 at a time; the providers per session, in order. */
async function rounds(n: number): Promise<Map<string, string[]>> {
  const went = new Map<string, string[]>(SESSIONS.map((s) => [s, []]));
  for (let round = 0; round < n; round++) {
    const queue = SESSIONS.map((s, i) => [s, (i + round) % 2] as const);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) went.get(next[0])!.push(await ask(next[1], next[0]));
      }),
    );
  }
  return went;
}

beforeAll(async () => {
  const ports = await freeStackPorts();
  const second = { grpc: await freePort(), http: await freePort() };
  routers.push(ports.routerHttp, second.http);
  simUrl = `http://127.0.0.1:${ports.simulator}`;
  const dir = mkdtempSync(join(tmpdir(), 'ultra-sticky-'));
  const base = stackConfig(ports, '', {
    providers: 'primary: [openai, anthropic, google]',
    failover: '{ strategy: round-robin, sticky_sessions: true, cooldown: 300s }',
    healthCheck: '{ interval: 1s, timeout: 500ms, threshold: 2 }',
  });
  const routerLine = `router: { grpc: 127.0.0.1:${ports.router}, http: 127.0.0.1:${ports.routerHttp}, metrics: 127.0.0.1:0 }`;
  if (!base.includes(routerLine)) throw new Error('stackConfig changed: update this test');
  const first = join(dir, 'ultra.yaml');
  const other = join(dir, 'router-b.yaml');
  writeFileSync(first, base);
  writeFileSync(other, base.replace(routerLine, `router: { grpc: 127.0.0.1:${second.grpc}, http: 127.0.0.1:${second.http}, metrics: 127.0.0.1:0 }`));
  const env = { ULTRA_LOG_LEVEL: 'warn' };
  const sim = startProcess('provider-sim', 'libs/provider-sim/src/main.ts', ['--host', '127.0.0.1', '--port', String(ports.simulator)], { env, readyLine: /listening on/ });
  procs.push(sim);
  await sim.ready;
  procs.push(startProcess('agent', 'services/provider-agent/src/main.ts', ['--config', first], { env }), startProcess('cache', 'services/cache/src/main.ts', ['--config', first], { env }));
  await Promise.all(procs.map((p) => p.ready));
  procs.push(startProcess('router-a', 'services/router/src/main.ts', ['--config', first], { env }), startProcess('router-b', 'services/router/src/main.ts', ['--config', other], { env }));
  await Promise.all(procs.map((p) => p.ready));
  for (const r of [0, 1]) await pollUntil(`router ${r} answers`, () => ask(r, 'warm-up').catch((e: unknown) => String(e)), (p) => p !== '' && !p.startsWith('Error'));
}, 150_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop('SIGTERM')));
  procs = [];
});

describe('two routers, sessions alternating between them', () => {
  it('200 sessions × 10 requests: every session stays on one provider; when it dies (after 5) each of its sessions moves to one new provider and the rest stay', async () => {
    const before = await rounds(5);
    for (const [s, list] of before) expect(new Set(list).size, `${s}: ${list.join(',')}; failed over: ${failedOver.slice(0, 5).join('; ')}`).toBe(1);
    const home = new Map([...before].map(([s, list]) => [s, list[0]!]));
    const spread = new Set(home.values());
    expect(spread.size).toBe(3);
    // google dies: every call to it fails.
    await fetch(`${simUrl}/_sim/providers/google/faults`, { method: 'PUT', body: JSON.stringify({ errorRate: 1, errorStatus: 500 }) });
    const after = await rounds(5);
    const movedTo = new Set<string>();
    for (const [s, list] of after) {
      expect(new Set(list).size, `${s} after google died: ${list.join(',')}; failed over: ${failedOver.slice(-5).join('; ')}`).toBe(1);
      if (home.get(s) === 'google') {
        expect(list[0]).not.toBe('google');
        movedTo.add(list[0]!);
      } else expect(list[0], s).toBe(home.get(s));
    }
    // google's sessions went to both providers left, not all to one.
    expect([...movedTo].sort()).toEqual(['anthropic', 'openai']);
  }, 300_000);
});

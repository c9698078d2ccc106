import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Mode } from '@ultra/contracts/chat';
import { HealthService } from '@ultra/contracts/health';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoPath, startProcess, startStack, type Stack, pollUntil } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let stack: Stack;
const PROVIDERS = ['openai', 'anthropic', 'google', 'cohere'];


const fault = (p: string, on: boolean) =>
  fetch(`${stack.simUrl}/_sim/providers/${p}/faults`, on ? { method: 'PUT', body: JSON.stringify({ errorRate: 1, errorStatus: 500 }) } : { method: 'DELETE' });

function ask(content: string, priority = 'normal') {
  return fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ultra-priority': priority },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }] }),
  });
}

beforeAll(async () => {
  stack = await startStack({ extraConfig: 'modes: { evaluate_every: 200ms, recover_after: 2, router_stale_after: 2s }\n' });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

describe('degraded modes, end to end', () => {
  it('steps down as providers go, serves by priority, then steps back up', async () => {
    const health = createClient(HealthService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${stack.ports.health}` }));
    const mode = async () => (await health.getStatus({})).status?.mode;
    await pollUntil('NORMAL', mode, (m) => m === Mode.NORMAL);
    const warm = await ask('cached before the outage');
    expect(warm.status).toBe(200);

    await fault('openai', true);
    await pollUntil('DEGRADED', mode, (m) => m === Mode.DEGRADED);
    await fault('anthropic', true);
    await pollUntil('CRITICAL', mode, (m) => m === Mode.CRITICAL);
    // the router hears the mode through WatchStatus
    await pollUntil('router in CRITICAL', async () => (await ask('high one', 'high')).headers.get('x-ultra-mode'), (m) => m === 'CRITICAL');
    const high = await ask('high priority in critical', 'high');
    expect(high.status).toBe(200);
    expect(['google', 'cohere']).toContain(high.headers.get('x-ultra-provider'));
    expect(high.headers.get('x-ultra-notice')).toMatch(/critical mode/);
    const low = await ask('low priority in critical', 'low');
    expect(low.status).toBe(503);
    expect(Number(low.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await low.json()) as { error: { message: string } }).error.message).toMatch(/defers low-priority requests/);

    await fault('google', true);
    await fault('cohere', true);
    await pollUntil('OUTAGE', mode, (m) => m === Mode.OUTAGE);
    await pollUntil('router in OUTAGE', async () => (await ask('cached before the outage')).headers.get('x-ultra-mode'), (m) => m === 'OUTAGE');
    const cached = await ask('cached before the outage');
    expect(cached.status).toBe(200);
    expect(cached.headers.get('x-ultra-served-from')).toMatch(/cache/);
    const uncached = await ask('never asked before');
    expect(uncached.status).toBe(503);
    expect(((await uncached.json()) as { error: { message: string } }).error.message).toMatch(/answers from the cache only/);

    for (const p of PROVIDERS) await fault(p, false);
    await pollUntil('NORMAL again', mode, (m) => m === Mode.NORMAL, 30_000);
    const history = (await health.getStatus({})).history.map((h) => Mode[h.to]);
    expect(history).toEqual(expect.arrayContaining(['DEGRADED', 'CRITICAL', 'OUTAGE', 'NORMAL']));
  }, 90_000);

  it('routers keep the last mode when the health service dies, assume DEGRADED after the limit, and resume', async () => {
    await pollUntil('router in NORMAL', async () => (await ask('ping')).headers.get('x-ultra-mode'), (m) => m === 'NORMAL');
    await stack.processes.health.stop('SIGKILL');
    expect((await ask('right after')).headers.get('x-ultra-mode')).toBe('NORMAL');
    const degraded = await pollUntil('DEGRADED after the limit', () => ask('later'), (r) => r.headers.get('x-ultra-mode') === 'DEGRADED');
    expect(degraded.headers.get('x-ultra-notice')).toMatch(/health service is unreachable/);
    const again = startProcess('health', 'services/health/src/main.ts', ['--config', stack.configFile], { env: { ULTRA_LOG_LEVEL: 'warn' } });
    stack.processes.health = again;
    await again.ready;
    await pollUntil('NORMAL once it is back', async () => (await ask('back')).headers.get('x-ultra-mode'), (m) => m === 'NORMAL', 30_000);
  }, 60_000);

  it('ultra status shows the mode, the components and every provider', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [repoPath('libs/cli/bin/ultra.js'), 'status', '--once', '--config', stack.configFile]);
    expect(stdout).toMatch(/^mode: NORMAL since \d\d:\d\d:\d\d/m);
    expect(stdout).toMatch(/^ {2}router@127\.0\.0\.1:\d+ +serving/m);
    // every provider with its concurrency limit (the adaptive limit starts at bulkhead.limit, 512)
    for (const p of PROVIDERS) expect(stdout).toMatch(new RegExp(`^  ${p} +closed +yes +\\d+ +512 `, 'm'));
    expect(stdout).toMatch(/^PROVIDERS\n {2}name +breaker +healthy +in-flight +limit +errors +p50 +p99 +retry in$/m);
  });
});

import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Mode, Outcome, Role } from '@ultra/contracts/chat';
import { HealthService } from '@ultra/contracts/health';
import { JobState, RouterService, type Job } from '@ultra/contracts/router';
import { pollUntil, startRedis, startStack, type RedisServer, type Stack } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PROVIDERS = ['openai', 'anthropic', 'google', 'cohere'];
let redis: RedisServer;
let stack: Stack;
let router: Client<typeof RouterService>;

/** As `pollUntil`, with this stack's 30 s default (a deferred job runs behind the queue's backoff). */
const until = <T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000) => pollUntil(what, probe, ok, ms);
const fault = (p: string, on: boolean) =>
  fetch(`${stack.simUrl}/_sim/providers/${p}/faults`, on ? { method: 'PUT', body: JSON.stringify({ errorRate: 1, errorStatus: 500 }) } : { method: 'DELETE' });
const getJob = async (id: string) => (await router.getJob({ id })).job!;
const request = (content: string, key: string) => ({ model: 'chat', messages: [{ role: Role.USER, content }], idempotencyKey: key });

beforeAll(async () => {
  redis = await startRedis();
  stack = await startStack({
    env: { REDIS_URL: redis.url },
    extraConfig:
      'modes: { evaluate_every: 200ms, recover_after: 2, router_stale_after: 2s }\n' +
      'queue: { max_attempts: 50, backoff: { base: 200ms, cap: 1s }, mode_wait: 300ms, lock_duration: 5s, stalled_interval: 2s }\n',
  });
  router = createClient(RouterService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${stack.ports.router}` }));
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
});

describe('the queue in the router, end to end', () => {
  it('SubmitJob returns at once; WatchJob follows the job through the failover path to its answer', async () => {
    const submitted = await router.submitJob({ request: request('queued hello', 'e2e-1') });
    expect(submitted.created).toBe(true);
    const seen: Job[] = [];
    for await (const res of router.watchJob({ id: submitted.job!.id }, { timeoutMs: 20_000 })) seen.push(res.job!);
    const done = seen.at(-1)!;
    expect(done.state).toBe(JobState.SUCCEEDED);
    expect(PROVIDERS).toContain(done.answer?.provider);
    expect(done.attempts.at(-1)?.providerAttempts.at(-1)?.outcome).toBe(Outcome.OK);
    // the same key again: the same job, already answered
    const again = await router.submitJob({ request: request('queued hello', 'e2e-1') });
    expect(again).toMatchObject({ created: false, job: { id: submitted.job!.id, state: JobState.SUCCEEDED } });
    // Connect's JSON form, as curl would send it, on the HTTP/1.1 port
    const res = await fetch(`http://127.0.0.1:${stack.ports.routerHttp}/ultra.router.v1.RouterService/GetJob`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: submitted.job!.id }),
    });
    expect(((await res.json()) as { job: { state: string } }).job.state).toBe('JOB_STATE_SUCCEEDED');
  }, 40_000);

  it('a degraded mode defers batch requests to the queue (HTTP 202 with the job id); they run when it clears', async () => {
    const health = createClient(HealthService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${stack.ports.health}` }));
    const status = async () => (await health.getStatus({})).status;
    await until('NORMAL', status, (s) => s?.mode === Mode.NORMAL);
    await fault('openai', true);
    await until('DEGRADED', status, (s) => s?.mode === Mode.DEGRADED);
    const ask = () =>
      fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-ultra-priority': 'batch' },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'nightly summary' }] }),
      });
    const deferred = await until('a deferral', ask, (r) => r.status === 202);
    const id = deferred.headers.get('x-ultra-job-id')!;
    expect(id).toMatch(/^j[0-9a-f]{32}$/);
    expect(((await deferred.json()) as { id: string }).id).toBe(id);
    expect((await getJob(id)).state).not.toBe(JobState.SUCCEEDED);
    await fault('openai', false);
    const done = await until('the deferred job answered', () => getJob(id), (j) => j.state === JobState.SUCCEEDED, 45_000);
    expect(done.answer?.text).not.toBe('');
    expect(done.attempts.every((a) => a.outcome === Outcome.OK)).toBe(true);
  }, 90_000);
  it('retries while every provider fails, with each error recorded, and answers once they are back', async () => {
    for (const p of PROVIDERS) expect((await fault(p, true)).status).toBe(200);
    const { job } = await router.submitJob({ request: request('asked during an outage', 'e2e-2') });
    const retrying = await until('a failed attempt', () => getJob(job!.id), (j) => j.attempts.length > 0);
    expect(retrying.state).not.toBe(JobState.SUCCEEDED);
    expect(retrying.attempts[0]!.outcome).not.toBe(Outcome.OK);
    expect(retrying.attempts[0]!.detail).not.toBe('');
    for (const p of PROVIDERS) await fault(p, false);
    const done = await until('the answer', () => getJob(job!.id), (j) => j.state === JobState.SUCCEEDED || j.state === JobState.DEAD_LETTERED, 45_000);
    expect(done.state).toBe(JobState.SUCCEEDED);
    expect(done.attempts.length).toBeGreaterThan(1);
  }, 70_000);

});

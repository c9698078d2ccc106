import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Role } from '@ultra/contracts/chat';
import { RouterService } from '@ultra/contracts/router';
import { HealthService } from '@ultra/contracts/health';
import { CacheService } from '@ultra/contracts/cache';
import { Mode } from '@ultra/contracts/chat';
import { startStack, type Stack } from '@ultra/testkit';
import OpenAI from 'openai';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const hash = (k: string) => `sha256:${createHash('sha256').update(k).digest('hex')}`;
const TEAM_A = 'ultra-test-key-team-a-0001';
const TEAM_B = 'ultra-test-key-team-b-0002';
const ADMIN = 'ultra-test-key-admin-0003';
const LIMITED = 'ultra-test-key-limited-0004';
const PROVIDER_KEY = 'sk-provider-secret-should-never-leak';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    env: { OPENAI_API_KEY: PROVIDER_KEY, ULTRA_LOG_LEVEL: 'debug' },
    extraConfig: `auth:
  keys:
    - { name: team-a, hash: "${hash(TEAM_A)}", max_priority: normal }
    - { name: team-b, hash: "${hash(TEAM_B)}", models: [chat] }
    - { name: ops, hash: "${hash(ADMIN)}", admin: true }
    - { name: limited, hash: "${hash(LIMITED)}", requests_per_minute: 2 }
`,
  });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

const http = (key: string | undefined, content: string, model = 'chat') =>
  fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });
const grpc = (key?: string) =>
  createClient(
    RouterService,
    createGrpcTransport({
      baseUrl: `http://127.0.0.1:${stack.ports.router}`,
      interceptors: key ? [(next) => (req) => (req.header.set('authorization', `Bearer ${key}`), next(req))] : [],
    }),
  );

describe('client keys on both fronts', () => {
  it('HTTP: no key 401, a wrong key 401, a good key 200 — the OpenAI SDK\'s own header works', async () => {
    expect((await http(undefined, 'x')).status).toBe(401);
    const wrong = await http('nope', 'x');
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe('the key in the authorization header is not valid');
    const sdk = new OpenAI({ baseURL: `http://127.0.0.1:${stack.ports.routerHttp}/v1`, apiKey: TEAM_A, maxRetries: 0 });
    const answer = await sdk.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'with a key' }] });
    expect(answer.choices[0]?.message.content).toContain('with a key');
  });

  it('gRPC: UNAUTHENTICATED without a key, answered with one', async () => {
    await expect(grpc().complete({ request: { messages: [{ role: Role.USER, content: 'x' }] } })).rejects.toMatchObject({ code: 16 });
    const res = await grpc(TEAM_A).complete({ request: { messages: [{ role: Role.USER, content: 'grpc with a key' }] } });
    expect(res.answer?.text).toContain('grpc with a key');
  });

  it('models per key: PERMISSION_DENIED / 403 naming the model', async () => {
    const res = await http(TEAM_B, 'x', 'gpt-4o-mini');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('model: key "team-b" may not use "gpt-4o-mini" (allowed: chat)');
  });

  it('admin RPCs need an admin key', async () => {
    await expect(grpc(TEAM_A).listDeadLetters({})).rejects.toMatchObject({ code: 7, rawMessage: 'key "team-a" is not an admin key' });
    // the admin key passes the check (the queue itself needs Redis here)
    await expect(grpc(ADMIN).listDeadLetters({})).rejects.toMatchObject({ code: 9 });
  });

  it('admin RPCs of the internal services need an admin key too', async () => {
    const on = (port: number, key?: string) =>
      createGrpcTransport({
        baseUrl: `http://127.0.0.1:${port}`,
        interceptors: key ? [(next) => (req) => (req.header.set('authorization', `Bearer ${key}`), next(req))] : [],
      });
    const pin = { mode: Mode.CRITICAL, durationMs: 1000n, reason: 'test' };
    await expect(createClient(HealthService, on(stack.ports.health)).pinMode(pin)).rejects.toMatchObject({ code: 16 });
    await expect(createClient(HealthService, on(stack.ports.health, TEAM_A)).pinMode(pin)).rejects.toMatchObject({ code: 7 });
    expect((await createClient(HealthService, on(stack.ports.health, ADMIN)).pinMode(pin)).status?.mode).toBe(Mode.CRITICAL);
    await createClient(HealthService, on(stack.ports.health, ADMIN)).unpinMode({});
    await expect(createClient(CacheService, on(stack.ports.cache, TEAM_A)).invalidate({ target: { case: 'prefix', value: 'chat:' } })).rejects.toMatchObject({ code: 7 });
    // reads are not admin: the router's own cache calls need no key
    expect((await createClient(CacheService, on(stack.ports.cache)).get({ key: 'nothing' })).found).toBe(false);
  });

  it('per-key rate limit: 429 with Retry-After', async () => {
    expect((await http(LIMITED, 'l1')).status).toBe(200);
    expect((await http(LIMITED, 'l2')).status).toBe(200);
    const third = await http(LIMITED, 'l3');
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await third.json()) as { error: { message: string } }).error.message).toMatch(/over this key's requests_per_minute limit of 2/);
  });

  it('cache entries are per tenant: one tenant never reads another\'s', async () => {
    const a1 = await http(TEAM_A, 'the same question');
    expect(a1.headers.get('x-ultra-served-from')).toBe('provider');
    expect((await http(TEAM_A, 'the same question')).headers.get('x-ultra-served-from')).toBe('cache');
    expect((await http(TEAM_B, 'the same question')).headers.get('x-ultra-served-from')).toBe('provider');
  });

  it('no key, client or provider, appears in anything the services wrote', () => {
    const everything = Object.values(stack.processes).flatMap((p) => p.output).join('\n');
    expect(everything.length).toBeGreaterThan(1000);
    for (const secret of [TEAM_A, TEAM_B, ADMIN, LIMITED, PROVIDER_KEY]) expect(everything).not.toContain(secret);
  });
});

describe('jobs are per tenant', () => {
  it('one tenant never sees another\'s job, and the same idempotency key in two tenants makes two jobs', async () => {
    const { startRedis } = await import('@ultra/testkit');
    const redis = await startRedis();
    const s = await startStack({
      env: { REDIS_URL: redis.url },
      extraConfig: `auth:\n  keys:\n    - { name: team-a, hash: "${hash(TEAM_A)}" }\n    - { name: team-b, hash: "${hash(TEAM_B)}" }\n`,
    });
    try {
      const client = (key: string) =>
        createClient(
          RouterService,
          createGrpcTransport({ baseUrl: `http://127.0.0.1:${s.ports.router}`, interceptors: [(next) => (req) => (req.header.set('authorization', `Bearer ${key}`), next(req))] }),
        );
      const request = { messages: [{ role: Role.USER, content: 'a job' }], idempotencyKey: 'same-key' };
      const a = await client(TEAM_A).submitJob({ request });
      const b = await client(TEAM_B).submitJob({ request });
      expect(a.job?.id).toBeTruthy();
      expect(b.job?.id).not.toBe(a.job?.id);
      expect((await client(TEAM_A).getJob({ id: a.job!.id })).job?.id).toBe(a.job!.id);
      await expect(client(TEAM_B).getJob({ id: a.job!.id })).rejects.toMatchObject({ code: 5, rawMessage: `job ${a.job!.id} not found` });
      await expect(client(TEAM_B).cancelJob({ id: a.job!.id })).rejects.toMatchObject({ code: 5 });
    } finally {
      await s.stop();
      await redis.stop();
    }
  }, 60_000);
});

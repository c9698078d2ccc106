import { Code, ConnectError } from '@connectrpc/connect';
import { create } from '@bufbuild/protobuf';
import { ChatRequestSchema, Priority, Role } from '@ultra/contracts/chat';
import { parseConfig } from '@ultra/config';
import { startRedis, type RedisServer } from '@ultra/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuard } from './guard.ts';
import { createKeyLimiter } from './key-limiter.ts';
import { createKeyStore, hashKey } from './key-store.ts';

const config = (keys: string) => parseConfig(`providers:\n  p: [openai]\nauth:\n  keys:\n${keys}`, 't.yaml', {});
const ask = (extra = {}) => create(ChatRequestSchema, { messages: [{ role: Role.USER, content: 'hello' }], ...extra });
const err = async (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => ConnectError.from(e));

describe('client keys', () => {
  const cfg = config(
    `    - { name: team-a, hash: "${hashKey('ultra-key-a')}", models: [chat], max_priority: normal, requests_per_minute: 3 }\n` +
      `    - { name: ops, hash: "${hashKey('ultra-key-ops')}", admin: true, tenant: operations }\n`,
  );
  const guard = createGuard({ config: cfg, keys: createKeyStore(cfg.auth.keys), limiter: createKeyLimiter({}) });

  it('config holds only hashes; a key is found by its hash, compared in constant time', () => {
    expect(JSON.stringify(cfg)).not.toContain('ultra-key-a');
    expect(guard.identify('Bearer ultra-key-a')?.name).toBe('team-a');
    expect(guard.identify('bearer   ultra-key-ops ')?.tenant).toBe('operations');
  });

  it('a missing or wrong key is UNAUTHENTICATED, and says which', () => {
    expect(() => guard.identify(undefined)).toThrow(/a key is required: send authorization: Bearer <key>/);
    expect(() => guard.identify('Bearer nope')).toThrow(/the key in the authorization header is not valid/);
    try {
      guard.identify('Bearer nope');
    } catch (e) {
      expect(ConnectError.from(e).code).toBe(Code.Unauthenticated);
      expect(String(e)).not.toContain('nope');
    }
  });

  it('admin RPCs need an admin key', () => {
    expect(() => guard.requireAdmin('Bearer ultra-key-a')).toThrow(/key "team-a" is not an admin key/);
    expect(() => guard.requireAdmin('Bearer ultra-key-ops')).not.toThrow();
  });

  it('models and priority ceiling per key', async () => {
    const a = guard.identify('Bearer ultra-key-a');
    expect((await err(guard.admit(a, ask({ model: 'gpt-4o-mini' }), false)))?.code).toBe(Code.PermissionDenied);
    const admitted = await guard.admit(a, ask({ priority: Priority.HIGH }), false);
    expect(admitted.request.priority).toBe(Priority.NORMAL);
    expect(admitted.tenant).toBe('team-a');
  });

  it('requests per minute: the next one is RESOURCE_EXHAUSTED with a Retry-After', async () => {
    const g = createGuard({ config: cfg, keys: createKeyStore(cfg.auth.keys), limiter: createKeyLimiter({}) });
    const a = g.identify('Bearer ultra-key-a');
    for (let i = 0; i < 3; i++) await (await g.admit(a, ask(), false)).release();
    const e = await err(g.admit(a, ask(), false));
    expect(e?.code).toBe(Code.ResourceExhausted);
    expect(e?.rawMessage).toMatch(/over this key's requests_per_minute limit of 3/);
    expect(Number(e?.metadata.get('retry-after'))).toBeGreaterThan(0);
  });

  it('without keys the router is open', async () => {
    const open = parseConfig('providers:\n  p: [openai]\n', 't.yaml', {});
    const g = createGuard({ config: open, keys: createKeyStore(open.auth.keys), limiter: createKeyLimiter({}) });
    expect(g.enabled).toBe(false);
    expect(g.identify(undefined)).toBeUndefined();
  });
});

describe('limits across router replicas, through Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('two routers share one key\'s requests per minute and concurrency', async () => {
    const cfg = config(`    - { name: shared, hash: "${hashKey('k')}", requests_per_minute: 4, concurrency: 2 }\n`);
    const [c1, c2] = [new Redis(redis.url), new Redis(redis.url)];
    try {
      const g1 = createGuard({ config: cfg, keys: createKeyStore(cfg.auth.keys), limiter: createKeyLimiter({ redis: c1 }) });
      const g2 = createGuard({ config: cfg, keys: createKeyStore(cfg.auth.keys), limiter: createKeyLimiter({ redis: c2 }) });
      const key = g1.identify('Bearer k');
      const held1 = await g1.admit(key, ask(), false);
      const held2 = await g2.admit(key, ask(), false);
      expect((await err(g1.admit(key, ask(), false)))?.rawMessage).toMatch(/concurrency limit of 2/);
      await held1.release();
      await held2.release();
      await (await g2.admit(key, ask(), false)).release();
      // 4 admitted so far across both routers (the refused one counted too): the fifth is over
      const e = await err(g1.admit(key, ask(), false));
      expect(e?.rawMessage).toMatch(/requests_per_minute limit of 4/);
    } finally {
      c1.disconnect();
      c2.disconnect();
    }
  });
});

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Mode } from '@ultra/contracts/chat';
import { HealthService } from '@ultra/contracts/health';
import { repoPath, startStack, type Stack, pollUntil } from '@ultra/testkit';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What a new user saw on a fresh start with the action plan's config (issue #15), through
// the same surfaces: the official openai package, a stock grpc-js client, the health RPCs.

let stack: Stack;
let openai: OpenAI;
const PROVIDERS = ['openai', 'anthropic', 'google', 'cohere'];


const health = () => createClient(HealthService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${stack.ports.health}` }));
const ask = (content: string, headers: Record<string, string> = {}, maxTokens?: number) =>
  openai.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content }], ...(maxTokens ? { max_tokens: maxTokens } : {}) }, { headers }).withResponse();
const routerMode = async () => (await ask(`mode probe ${Math.random()}`, { 'x-ultra-priority': 'high', 'x-ultra-cache': 'no-store' })).response.headers.get('x-ultra-mode');
const fault = (p: string, on: boolean) =>
  fetch(`${stack.simUrl}/_sim/providers/${p}/faults`, on ? { method: 'PUT', body: JSON.stringify({ errorRate: 1, errorStatus: 500 }) } : { method: 'DELETE' });

function grpcRouter() {
  const def = protoLoader.loadSync(['ultra/router/v1/router.proto'], { includeDirs: [repoPath('proto')], keepCase: true, enums: String, oneofs: true });
  const Router = (grpc.loadPackageDefinition(def) as unknown as { ultra: { router: { v1: { RouterService: grpc.ServiceClientConstructor } } } }).ultra.router.v1.RouterService;
  return new Router(`127.0.0.1:${stack.ports.router}`, grpc.credentials.createInsecure());
}

beforeAll(async () => {
  stack = await startStack();
  openai = new OpenAI({ baseURL: `http://127.0.0.1:${stack.ports.routerHttp}/v1`, apiKey: 'not-needed', maxRetries: 0 });
  await pollUntil('NORMAL', async () => (await health().getStatus({})).status?.mode, (m) => m === Mode.NORMAL);
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

describe('a fresh start, as a new user tries it', () => {
  it('spreads sticky sessions of two requests each, one after another, over the tier (round-robin)', async () => {
    const where = new Map<string, Set<string>>();
    for (let s = 0; s < 12; s++) {
      for (let r = 0; r < 2; r++) {
        const { response } = await ask(`session ${s}, question ${r}`, { 'x-ultra-session': `user-${s}` });
        expect(response.headers.get('x-ultra-served-from')).toBe('provider');
        where.set(`user-${s}`, (where.get(`user-${s}`) ?? new Set()).add(response.headers.get('x-ultra-provider')!));
      }
    }
    for (const providers of where.values()) expect(providers.size).toBe(1);
    const counts: Record<string, number> = {};
    for (const providers of where.values()) for (const p of providers) counts[p] = (counts[p] ?? 0) + 1;
    expect(counts).toEqual({ openai: 6, anthropic: 6 });
  }, 60_000);

  it('does not serve an answer capped in CRITICAL to the uncapped request back in NORMAL', async () => {
    const h = health();
    await h.pinMode({ mode: Mode.CRITICAL, durationMs: 60_000n, reason: 'issue 15 test' });
    await pollUntil('the router in CRITICAL', routerMode, (m) => m === 'CRITICAL');
    const capped = await ask('write me a long essay', { 'x-ultra-priority': 'high' }, 4000);
    expect(capped.response.headers.get('x-ultra-served-from')).toBe('provider');
    // The same request in CRITICAL: its capped answer, from the cache (stored under the key of what was sent).
    expect((await ask('write me a long essay', { 'x-ultra-priority': 'high' }, 4000)).response.headers.get('x-ultra-served-from')).toBe('cache');
    await h.unpinMode({});
    await pollUntil('the router in NORMAL', routerMode, (m) => m === 'NORMAL');
    const full = await ask('write me a long essay', { 'x-ultra-priority': 'high' }, 4000);
    expect(full.response.headers.get('x-ultra-served-from')).toBe('provider');
    expect(full.response.headers.get('x-ultra-mode')).toBe('NORMAL');
  }, 60_000);

  it('in OUTAGE, every refusal says the mode and the notice, on HTTP and gRPC, and a Retry-After of seconds, not two minutes', async () => {
    for (const p of PROVIDERS) await fault(p, true);
    try {
      await pollUntil('OUTAGE', async () => (await health().getStatus({})).status?.mode, (m) => m === Mode.OUTAGE);
      const refusal = await pollUntil(
        'a refusal in OUTAGE',
        () => ask(`never asked before ${Math.random()}`).then(() => undefined, (e: unknown) => e as APIError),
        (e) => e?.headers?.get('x-ultra-mode') === 'OUTAGE',
      );
      expect(refusal!.status).toBe(503);
      expect(refusal!.headers?.get('x-ultra-notice')).toMatch(/outage mode/);
      const retryAfter = Number(refusal!.headers?.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThan(120);

      const router = grpcRouter();
      const err = await new Promise<grpc.ServiceError>((resolve) =>
        (router as unknown as Record<string, (r: unknown, cb: (e: grpc.ServiceError | null) => void) => void>)['Complete']!.call(
          router,
          { request: { model: 'chat', messages: [{ role: 'ROLE_USER', content: `grpc, never asked ${Math.random()}` }] } },
          (e) => resolve(e!),
        ),
      );
      router.close();
      expect(err.code).toBe(grpc.status.UNAVAILABLE);
      expect(err.metadata.get('x-ultra-mode')).toEqual(['OUTAGE']);
      expect(String(err.metadata.get('x-ultra-notice')[0])).toMatch(/outage mode/);
      expect(Number(err.metadata.get('retry-after')[0])).toBeLessThan(120);
    } finally {
      for (const p of PROVIDERS) await fault(p, false);
    }
  }, 60_000);
});

import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { Health, HealthCheckRequestSchema, HealthCheckResponse_ServingStatus as Serving } from '@ultra/contracts/grpc-health';
import { afterEach, describe, expect, it } from 'vitest';
import { createServiceClient } from './clients.ts';
import { listen, type Listener } from './listener.ts';

const open: Listener[] = [];
const failure = (p: Promise<unknown>): Promise<ConnectError> =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => ConnectError.from(e),
  );
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close(100)));
});

/** A Health service whose Check answers by the name asked, over a real h2c listener. */
async function serve() {
  const seen: Record<string, string | null> = {};
  const impl: ServiceImpl<typeof Health> = {
    async check(req, ctx) {
      seen.timeout = ctx.requestHeader.get('connect-timeout-ms');
      seen.traceparent = ctx.requestHeader.get('x-test');
      if (req.service === 'fail') throw new ConnectError('no such thing', Code.NotFound, { 'x-why': 'test' }, [{ desc: HealthCheckRequestSchema, value: create(HealthCheckRequestSchema, { service: 'detail' }) }]);
      if (req.service === 'slow') await new Promise((resolve) => setTimeout(resolve, 2000));
      return { status: Serving.SERVING };
    },
    async *watch() {
      yield { status: Serving.SERVING };
      yield { status: Serving.NOT_SERVING };
    },
  };
  const listener = await listen({ host: '127.0.0.1', port: 0 }, connectNodeAdapter({ routes: (r) => r.service(Health, impl) }), 'h2c', undefined);
  open.push(listener);
  return { listener, seen };
}

describe('service clients (lean unary calls on a shared HTTP/2 session)', () => {
  it('answers, sends the deadline and the interceptors’ headers', async () => {
    const { listener, seen } = await serve();
    const client = createServiceClient(Health, listener.address, [(next) => (req) => (req.header.set('x-test', 'yes'), next(req))], undefined);
    expect((await client.check({ service: '' }, { timeoutMs: 1500 })).status).toBe(Serving.SERVING);
    expect(Number(seen.timeout)).toBeGreaterThan(1000);
    expect(seen.traceparent).toBe('yes');
  });

  it('passes on the error with its code, message, metadata and details', async () => {
    const { listener } = await serve();
    const client = createServiceClient(Health, listener.address, [], undefined);
    const e = await failure(client.check({ service: 'fail' }));
    expect(e).toBeInstanceOf(ConnectError);
    expect([e.code, e.rawMessage, e.metadata.get('x-why')]).toEqual([Code.NotFound, 'no such thing', 'test']);
    expect(e.findDetails(HealthCheckRequestSchema).map((d) => d.service)).toEqual(['detail']);
  });

  it('keeps the session through many error answers at once (no stream reset after an answer)', async () => {
    const { listener } = await serve();
    const client = createServiceClient(Health, listener.address, [], undefined);
    const errors = await Promise.all(Array.from({ length: 3000 }, () => failure(client.check({ service: 'fail' }))));
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set([Code.NotFound]));
    expect((await client.check({ service: '' })).status).toBe(Serving.SERVING);
  });

  it('gives up at the deadline and when the caller cancels', async () => {
    const { listener } = await serve();
    const client = createServiceClient(Health, listener.address, [], undefined);
    const late = await failure(client.check({ service: 'slow' }, { timeoutMs: 50 }));
    expect(late.code).toBe(Code.DeadlineExceeded);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 20);
    const cancelled = await failure(client.check({ service: 'slow' }, { signal: abort.signal }));
    expect(cancelled.code).toBe(Code.Canceled);
    expect((await client.check({ service: '' })).status).toBe(Serving.SERVING);
  });

  it('says UNAVAILABLE when nothing listens', async () => {
    const { listener } = await serve();
    const address = listener.address;
    await listener.close(0);
    open.length = 0;
    const client = createServiceClient(Health, address, [], undefined);
    const e = await failure(client.check({ service: '' }, { timeoutMs: 2000 }));
    expect(e.code).toBe(Code.Unavailable);
  });

  it('streams on the same connection', async () => {
    const { listener } = await serve();
    const client = createServiceClient(Health, listener.address, [], undefined);
    const seen: Serving[] = [];
    for await (const res of client.watch({ service: '' })) seen.push(res.status);
    expect(seen).toEqual([Serving.SERVING, Serving.NOT_SERVING]);
  });
});

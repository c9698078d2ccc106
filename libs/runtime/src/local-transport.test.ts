import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type HandlerContext, type Interceptor, type ServiceImpl } from '@connectrpc/connect';
import { Health, HealthCheckResponseSchema, HealthCheckResponse_ServingStatus as Serving, type HealthCheckRequest } from '@ultra/contracts/grpc-health';
import { describe, expect, it, vi } from 'vitest';
import { collectRoutes } from './collect-routes.ts';
import { createLocalTransport, type LocalEndpoint } from './local-transport.ts';

/** A Health service whose handlers do what each test asks, seen from inside. */
function setup(impl: Partial<ServiceImpl<typeof Health>>, options: { server?: Interceptor[]; client?: Interceptor[] } = {}) {
  const { methods } = collectRoutes((r) => r.service(Health, impl));
  const endpoint: LocalEndpoint = { service: 'test', methods, interceptors: options.server ?? [], calls: { inFlight: 0 } };
  return createClient(Health, createLocalTransport(() => endpoint, options.client ?? []));
}

const settled = <T>(p: Promise<T>) => p.then(() => 'resolved', (e: unknown) => e as ConnectError);

describe('the in-process transport', () => {
  it('hands the request over as it is (no encoding), through client and server interceptors, with headers both ways', async () => {
    const seen: { request?: HealthCheckRequest; header?: string | null; order: string[] } = { order: [] };
    const client = setup(
      {
        check(request, ctx) {
          seen.request = request;
          seen.header = ctx.requestHeader.get('x-from-client');
          ctx.responseHeader.set('x-from-server', 'yes');
          return { status: Serving.SERVING };
        },
      },
      {
        client: [(next) => async (req) => (seen.order.push('client'), req.header.set('x-from-client', 'traced'), next(req))],
        server: [(next) => async (req) => (seen.order.push(`server ${req.method.name}`), next(req))],
      },
    );
    const request = create(HealthCheckRequestSchemaOf(), { service: 'ultra.x.v1.X' });
    let answered: string | null = null;
    const res = await client.check(request, { onHeader: (h) => (answered = h.get('x-from-server')) });
    expect(res.status).toBe(Serving.SERVING);
    expect(seen.request).toBe(request);
    expect(seen.header).toBe('traced');
    expect(answered).toBe('yes');
    expect(seen.order).toEqual(['client', 'server Check']);
  });

  it('keeps the deadline: the handler sees what is left, the caller gets DEADLINE_EXCEEDED and the handler its abort', async () => {
    let left: number | undefined;
    let aborted: Promise<unknown> | undefined;
    const client = setup({
      check(_req, ctx: HandlerContext) {
        left = ctx.timeoutMs();
        aborted = new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(ctx.signal.reason), { once: true }));
        return new Promise(() => undefined);
      },
    });
    const error = await settled(client.check({}, { timeoutMs: 50 }));
    expect((error as ConnectError).code).toBe(Code.DeadlineExceeded);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(50);
    expect(await aborted).toBeDefined();
  });

  it("carries cancellation: the caller's abort aborts the handler and the caller gets CANCELED", async () => {
    let handlerSignal: AbortSignal | undefined;
    const client = setup({
      check(_req, ctx) {
        handlerSignal = ctx.signal;
        return new Promise(() => undefined);
      },
    });
    const abort = new AbortController();
    const call = settled(client.check({}, { signal: abort.signal }));
    await new Promise((r) => setImmediate(r));
    abort.abort();
    expect(((await call) as ConnectError).code).toBe(Code.Canceled);
    expect(handlerSignal?.aborted).toBe(true);
  });

  it('tells what still listens on the handler\'s signal that the call is over, and nothing else', async () => {
    const signals: AbortSignal[] = [];
    const client = setup({
      check(req, ctx) {
        signals.push(ctx.signal);
        if (req.service === 'listening') ctx.signal.addEventListener('abort', () => undefined);
        return { status: Serving.SERVING };
      },
    });
    await client.check({ service: 'listening' });
    await client.check({ service: 'quiet' });
    expect(signals.map((s) => s.aborted)).toEqual([true, false]);
  });

  it("watches a signal a client interceptor put in the call's place: its abort cancels the call", async () => {
    const swapped = new AbortController();
    const client = setup({ check: () => new Promise(() => undefined) }, { client: [(next) => (req) => next({ ...req, signal: swapped.signal })] });
    const call = settled(client.check({}));
    await new Promise((r) => setImmediate(r));
    swapped.abort();
    expect(((await call) as ConnectError).code).toBe(Code.Canceled);
  });

  it('delivers errors with their code, message, metadata and details; a plain error as UNKNOWN', async () => {
    const detail = create(HealthCheckResponseSchema, { status: Serving.NOT_SERVING });
    const client = setup({
      check(req) {
        if (req.service === 'plain') throw new Error('plain failure');
        throw new ConnectError('no such thing: "x"', Code.NotFound, { 'x-why': 'because' }, [{ desc: HealthCheckResponseSchema, value: detail }]);
      },
    });
    const error = (await settled(client.check({ service: 'x' }))) as ConnectError;
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toBe('no such thing: "x"');
    expect(error.metadata.get('x-why')).toBe('because');
    expect(error.findDetails(HealthCheckResponseSchema).map((d) => d.status)).toEqual([Serving.NOT_SERVING]);
    const plain = (await settled(client.check({ service: 'plain' }))) as ConnectError;
    expect(plain).toBeInstanceOf(ConnectError);
    expect([plain.code, plain.rawMessage]).toEqual([Code.Unknown, 'plain failure']);
  });

  it("streams the handler's messages, and a caller's abort ends the handler (its finally runs)", async () => {
    let ended = false;
    const client = setup({
      async *watch(_req, ctx) {
        try {
          yield { status: Serving.SERVING };
          yield { status: Serving.NOT_SERVING };
          if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        } finally {
          ended = true;
        }
      },
    });
    const abort = new AbortController();
    const seen: Serving[] = [];
    const read = (async () => {
      for await (const res of client.watch({}, { signal: abort.signal })) {
        seen.push(res.status);
        if (seen.length === 2) {
          // the caller leaves without reading on, as the router's stream does
          abort.abort();
          break;
        }
      }
    })();
    expect(await settled(read)).toBe('resolved');
    expect(seen).toEqual([Serving.SERVING, Serving.NOT_SERVING]);
    await vi.waitFor(() => expect(ended).toBe(true));
  });

  it("keeps a stream's deadline: the reader gets DEADLINE_EXCEEDED and the handler its abort, as it does when a stream is read to its end", async () => {
    let handlerSignal: AbortSignal | undefined;
    const client = setup({
      async *watch(req, ctx) {
        handlerSignal = ctx.signal;
        yield { status: Serving.SERVING };
        if (req.service === 'hang') await new Promise(() => undefined);
      },
    });
    const seen: Serving[] = [];
    const read = (async () => {
      for await (const res of client.watch({ service: 'hang' }, { timeoutMs: 50 })) seen.push(res.status);
    })();
    expect(((await settled(read)) as ConnectError).code).toBe(Code.DeadlineExceeded);
    expect(seen).toEqual([Serving.SERVING]);
    expect(handlerSignal?.aborted).toBe(true);
    for await (const _ of client.watch({ service: 'whole' }, { timeoutMs: 5_000 })) void _;
    expect(handlerSignal?.aborted).toBe(true);
  });

  it('answers UNAVAILABLE while the service is not running in this process, UNIMPLEMENTED for a method it lacks', async () => {
    const absent = createClient(Health, createLocalTransport(() => undefined, []));
    expect(((await settled(absent.check({}))) as ConnectError).code).toBe(Code.Unavailable);
    const client = setup({ check: () => ({ status: Serving.SERVING }) });
    const stream = (async () => {
      for await (const _ of client.watch({})) void _;
    })();
    expect(((await settled(stream)) as ConnectError).code).toBe(Code.Unimplemented);
  });
});

function HealthCheckRequestSchemaOf() {
  return Health.method.check.input;
}

/**
 * The telemetry bench's in-process part: what each tracing entry point of
 * `@ultra/telemetry` costs per call with telemetry unset (no SDK registered, the no-op
 * API), against the pass-through that replaces it in the untraced stack. Timed with
 * process.cpuUsage over many calls, each pair interleaved in rounds; the median round counts.
 */
import type { Interceptor } from '@connectrpc/connect';
import { createTraceClientInterceptor, inSpan, withServerSpan } from '@ultra/telemetry';
import { median } from '../lib/samples.ts';

export interface EntryCost {
  /** The entry point, as the report names it. */
  name: string;
  /** CPU per call with telemetry unset, in ns. */
  unsetNs: number;
  /** CPU per call of the pass-through, in ns. */
  untracedNs: number;
}

const cpuNs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};

async function perCall(calls: number, run: () => Promise<unknown> | void): Promise<number> {
  const t0 = cpuNs();
  for (let i = 0; i < calls; i++) await run();
  return (cpuNs() - t0) / calls;
}

/** Measures `traced` against `plain` in `rounds` interleaved rounds of `calls` calls each. */
async function compare(name: string, traced: () => Promise<unknown> | void, plain: () => Promise<unknown> | void, rounds: number, calls: number): Promise<EntryCost> {
  const a: number[] = [];
  const b: number[] = [];
  await perCall(calls, traced);
  await perCall(calls, plain);
  for (let r = 0; r < rounds; r++) {
    a.push(await perCall(calls, traced));
    b.push(await perCall(calls, plain));
  }
  return { name, unsetNs: median(a), untracedNs: median(b) };
}

/** Each tracing entry point that runs per request, measured as the services call it. */
export async function measureEntryPoints(quick: boolean): Promise<EntryCost[]> {
  const rounds = quick ? 5 : 15;
  const calls = quick ? 20_000 : 100_000;
  const attributes = { 'ultra.provider': 'openai', 'ultra.outcome': 'ok' };
  const step = async () => 1;
  const req = {
    service: { typeName: 'ultra.cache.v1.CacheService' },
    method: { name: 'Get' },
    header: new Headers(),
  } as unknown as Parameters<ReturnType<Interceptor>>[0];
  const next = async () => ({ stream: false }) as never;
  const intercepted = createTraceClientInterceptor()(next);
  const headers = { 'content-type': 'application/grpc' };
  const noClose = () => undefined;
  const run = () => undefined;
  return [
    await compare('inSpan (a router, agent or cache step)', () => inSpan('router.select', attributes, step), () => step(), rounds, calls),
    await compare('client interceptor (each outgoing RPC)', () => intercepted(req), () => next(), rounds, calls),
    await compare('withServerSpan (each incoming request)', () => withServerSpan(headers, 'ultra.cache.v1.CacheService/Get', noClose, run), () => run(), rounds, calls),
  ];
}

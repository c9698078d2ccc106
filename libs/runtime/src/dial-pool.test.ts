import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { Health, HealthCheckResponse_ServingStatus as Serving, HealthCheckResponseSchema } from '@ultra/contracts/grpc-health';
import type { DialTarget } from '@ultra/config';
import { ManualClock } from '@ultra/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createServiceConnection } from './clients.ts';
import { connectionAge, listen, type Listener } from './listener.ts';

/** A real HTTP/2 server answering grpc.health.v1 Check: counts calls, holds them while `hold` is set, and counts connections. */
async function server(host = '127.0.0.1', port = 0) {
  const state = { calls: 0, hold: undefined as Promise<void> | undefined, watching: 0 };
  const impl: ServiceImpl<typeof Health> = {
    async check() {
      state.calls++;
      if (state.hold) await state.hold;
      return create(HealthCheckResponseSchema, { status: Serving.SERVING });
    },
    async *watch(_req, ctx) {
      state.watching++;
      yield create(HealthCheckResponseSchema, { status: Serving.SERVING });
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      state.watching--;
    },
  };
  const listener: Listener = await listen({ host, port }, connectNodeAdapter({ routes: (r) => r.service(Health, impl) }) as never, 'h2c', undefined);
  return { state, listener, port: listener.address.port, target: { host, port: listener.address.port, dns: false } satisfies DialTarget };
}

const open: { close(ms: number): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((l) => l.close(100)));
});
const started = async (...args: Parameters<typeof server>) => {
  const s = await server(...args);
  open.push(s.listener);
  return s;
};
const ticks = async (until: () => boolean, what: string) => {
  for (let i = 0; i < 2_000 && !until(); i++) await new Promise((r) => setTimeout(r, 1));
  if (!until()) throw new Error(`never: ${what}`);
};

describe('a dial list', () => {
  it('spreads calls over every endpoint, 50 ± 10 % each of 200 calls one after another', async () => {
    const [a, b] = [await started(), await started()];
    const { client } = createServiceConnection(Health, [a.target, b.target], [], undefined);
    for (let i = 0; i < 200; i++) await client.check({});
    expect(a.state.calls).toBeGreaterThanOrEqual(90);
    expect(b.state.calls).toBeGreaterThanOrEqual(90);
  });

  it('sends each call to the endpoint with the fewest in flight, watch streams left out', async () => {
    const [a, b] = [await started(), await started()];
    const conn = createServiceConnection(Health, [a.target, b.target], [], undefined);
    // A watch on a: it lasts for ever and must not tilt the balance.
    const stop = new AbortController();
    const watch = (async () => {
      for await (const _ of conn.client.watch({}, { signal: stop.signal })) void _;
    })().catch(() => undefined);
    await ticks(() => a.state.watching + b.state.watching === 1, 'watch open');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    a.state.hold = gate;
    b.state.hold = gate;
    const calls = Array.from({ length: 10 }, () => conn.client.check({}));
    await ticks(() => a.state.calls + b.state.calls === 10, 'ten calls arrive');
    expect([a.state.calls, b.state.calls]).toEqual([5, 5]);
    release();
    await Promise.all(calls);
    stop.abort();
    await watch;
  });

  it('sends every call to the endpoint left when one stops, without an error', async () => {
    const [a, b] = [await started(), await started()];
    const { client } = createServiceConnection(Health, [a.target, b.target], [], undefined);
    for (let i = 0; i < 20; i++) await client.check({});
    expect(a.state.calls).toBeGreaterThan(0);
    await a.listener.close(100);
    const before = { a: a.state.calls, b: b.state.calls };
    for (let i = 0; i < 100; i++) await client.check({});
    expect(a.state.calls).toBe(before.a);
    expect(b.state.calls).toBe(before.b + 100);
  });
});

describe('a dns: target', () => {
  it('follows the lookup: a new address gets calls, one gone keeps its call in flight to the end and gets no new one', async () => {
    const a = await started('127.0.0.1');
    const b = await started('127.0.0.2', a.port);
    const clock = new ManualClock(0);
    let addresses = ['127.0.0.1'];
    const conn = createServiceConnection(Health, [{ host: 'ultra-agent', port: a.port, dns: true }], [], undefined, {
      lookup: async (name) => (name === 'ultra-agent' ? addresses : []),
      clock,
    });
    const watched: string[] = [];
    const stop = new AbortController();
    conn.eachEndpoint(stop.signal, (_client, endpoint, signal) => {
      watched.push(endpoint);
      signal.addEventListener('abort', () => watched.push(`-${endpoint}`), { once: true });
    });
    for (let i = 0; i < 10; i++) await conn.client.check({});
    expect([a.state.calls, b.state.calls]).toEqual([10, 0]);
    let release!: () => void;
    a.state.hold = new Promise<void>((r) => (release = r));
    const inFlight = conn.client.check({});
    await ticks(() => a.state.calls === 11, 'the held call arrives');
    addresses = ['127.0.0.2'];
    clock.advance(5_000); // the next lookup (DIAL_RESOLVE_MS)
    await ticks(() => watched.includes(`127.0.0.2:${a.port}`), 'the new address is seen');
    for (let i = 0; i < 10; i++) await conn.client.check({});
    expect([a.state.calls, b.state.calls]).toEqual([11, 10]);
    release();
    expect((await inFlight).status).toBe(Serving.SERVING);
    expect(watched).toEqual([`127.0.0.1:${a.port}`, `-127.0.0.1:${a.port}`, `127.0.0.2:${a.port}`]);
    stop.abort();
  });
});

describe('a maximum connection age', () => {
  it('is the age given ± 10 %', () => {
    expect(connectionAge(300_000, () => 0)).toBe(270_000);
    expect(connectionAge(300_000, () => 0.999999)).toBe(330_000);
  });

  it('makes the client dial again after the default 5 min ± 10 %, with no call lost', async () => {
    const clock = new ManualClock(0);
    const l = await listen({ host: '127.0.0.1', port: 0 }, connectNodeAdapter({ routes: (r) => r.service(Health, { check: () => create(HealthCheckResponseSchema, { status: Serving.SERVING }) }) }) as never, 'h2c', undefined, {
      maxConnectionAgeMs: 300_000,
      clock,
    });
    open.push(l);
    const { client } = createServiceConnection(Health, [{ host: '127.0.0.1', port: l.address.port, dns: false }], [], undefined);
    for (let i = 0; i < 5; i++) await client.check({});
    expect(l.connections).toBe(1);
    clock.advance(269_000);
    await client.check({});
    expect(l.connections).toBe(1);
    clock.advance(61_000); // past 330 s: GOAWAY sent
    // Sent at once, before the client has read the GOAWAY: refused, and sent again.
    const answers = await Promise.all(Array.from({ length: 5 }, () => client.check({}, { timeoutMs: 5_000 })));
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill(Serving.SERVING));
    expect(l.connections).toBe(2);
  });
});

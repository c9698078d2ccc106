import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { toxiproxyUrl, type ToxiproxyEndpoint } from './toxiproxy-url.ts';

/** A loopback TCP server for the proxy tests. */
export interface TestServer {
  readonly port: number;
  /** Bytes received and how each connection ended, one entry per connection. */
  readonly received: { bytes: number; ended: 'open' | 'end' | 'reset' | 'close' }[];
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1: `echo` writes back what it reads; `blob` writes `bytes`
 * bytes (byte i is i mod 251) on connect and ends; `sink` only counts.
 */
export async function startServer(kind: 'echo' | 'blob' | 'sink', bytes = 0): Promise<TestServer> {
  const received: TestServer['received'] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: false }, (socket) => {
    sockets.add(socket);
    const entry: TestServer['received'][number] = { bytes: 0, ended: 'open' };
    received.push(entry);
    socket.on('data', (data) => {
      entry.bytes += data.length;
      if (kind === 'echo') socket.write(data);
    });
    socket.on('end', () => void (entry.ended = entry.ended === 'open' ? 'end' : entry.ended));
    socket.on('error', (e: NodeJS.ErrnoException) => void (entry.ended = e.code === 'ECONNRESET' ? 'reset' : 'close'));
    socket.on('close', () => {
      sockets.delete(socket);
      if (entry.ended === 'open') entry.ended = 'close';
    });
    if (kind === 'blob') socket.end(pattern(bytes));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** `n` bytes where byte i is i mod 251, to check content and order. */
export function pattern(n: number): Buffer {
  const buf = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) buf[i] = i % 251;
  return buf;
}

/** The port of a proxy's `listen` field. */
export function portOf(proxy: Proxy): number {
  return Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1));
}

/** Connects to 127.0.0.1:`port`; rejects with the socket error (e.g. ECONNREFUSED). */
export function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Sends `payload` on an echo connection and waits for all of it back; elapsed ms. */
export function roundTrip(socket: Socket, payload = Buffer.from('ping')): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let got = 0;
    const onData = (data: Buffer): void => {
      got += data.length;
      if (got < payload.length) return;
      socket.off('data', onData).off('error', reject);
      resolve(performance.now() - start);
    };
    socket.on('data', onData).once('error', reject);
    socket.write(payload);
  });
}

/** What a client saw on a connection until it closed. */
export interface Received {
  readonly data: Buffer;
  /** Number of `data` events (TCP reads). */
  readonly reads: number;
  /** ms from the call to the first byte (undefined when none came). */
  readonly firstByteMs: number | undefined;
  /** ms from the call to the close. */
  readonly closedMs: number;
  /** How it ended: `end` (FIN) or the socket error code (ECONNRESET for a RST). */
  readonly ending: string;
}

/** Reads `socket` until it closes (or `limitMs` passes: then ending is `open`). */
export function receiveAll(socket: Socket, limitMs = 10_000): Promise<Received> {
  const start = performance.now();
  const parts: Buffer[] = [];
  let firstByteMs: number | undefined;
  let ending = 'close';
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      const data = Buffer.concat(parts);
      resolve({ data, reads: parts.length, firstByteMs, closedMs: performance.now() - start, ending });
    };
    const timer = setTimeout(() => {
      ending = 'open';
      socket.removeAllListeners('close');
      done();
    }, limitMs);
    socket.on('data', (d: Buffer) => {
      firstByteMs ??= performance.now() - start;
      parts.push(d);
    });
    socket.once('end', () => void (ending = 'end'));
    socket.once('error', (e: NodeJS.ErrnoException) => void (ending = e.code ?? e.message));
    socket.once('close', done);
  });
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** `n` sequential round trips on `socket`, their times in ms. */
export async function roundTrips(socket: Socket, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await roundTrip(socket));
  return times;
}

/** Waits `ms`. */
export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The Toxiproxy under test (ours unless `TOXIPROXY_URL` is set) and a client for it. */
export interface ProxyFixture {
  readonly endpoint: ToxiproxyEndpoint;
  readonly client: Toxiproxy;
  /** Creates proxy `<prefix>_<name>` on 127.0.0.1, a free port, to `upstreamPort`. */
  proxy(name: string, upstreamPort: number): Promise<Proxy>;
  /** Deletes the proxies this fixture made and stops our fault proxy. */
  close(): Promise<void>;
}

/** Starts the fixture; proxy names get `prefix` so files can share a real Toxiproxy. */
export async function startFixture(prefix: string): Promise<ProxyFixture> {
  const endpoint = await toxiproxyUrl();
  const client = new Toxiproxy(endpoint.url);
  const made: Proxy[] = [];
  return {
    endpoint,
    client,
    async proxy(name, upstreamPort) {
      const proxy = await client.createProxy({
        name: `${prefix}_${name}`,
        listen: '127.0.0.1:0',
        upstream: `127.0.0.1:${upstreamPort}`,
      });
      made.push(proxy);
      return proxy;
    },
    async close() {
      await Promise.all(made.map((p) => p.remove().catch(() => undefined)));
      await endpoint.close();
    },
  };
}

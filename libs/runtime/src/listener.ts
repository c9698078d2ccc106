import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { Address } from '@ultra/config';
import { systemClock, systemRandom, type Clock, type Random } from '@ultra/core';
import { processTlsMaterial, type TlsMaterial } from './tls.ts';
import { withServerSpan } from '@ultra/telemetry';

/** A request handler for both HTTP/1.1 and HTTP/2 (as `connectNodeAdapter` returns). */
export type NodeHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface Listener {
  /** The address actually bound (port 0 in config gives a free port). */
  readonly address: Address;
  /** Requests not yet answered. */
  readonly inFlight: number;
  /** HTTP/2 connections accepted so far. */
  readonly connections: number;
  /**
   * Stops accepting connections, lets in-flight requests finish (HTTP/2 GOAWAY, HTTP/1.1
   * `Connection: close`), and destroys what is left after `graceMs` milliseconds.
   */
  close(graceMs: number): Promise<void>;
}

let processConnectionAgeMs = 0;

/**
 * Sets the maximum age of an HTTP/2 connection for every listener of this process (done
 * once by `runService` from `services.max_connection_age`; 0, the default here: none).
 */
export function useConnectionAge(ms: number): void {
  processConnectionAgeMs = ms;
}

/** How long one connection may live: `maxAgeMs` ± 10 % (so that clients do not all dial again at once). */
export const connectionAge = (maxAgeMs: number, random: Random = systemRandom): number => Math.round(maxAgeMs * (0.9 + 0.2 * random()));

/**
 * GOAWAY to an old connection: the client's next calls open a new one (maybe to a new
 * replica behind the same name); the calls in flight finish on this one. A call the client
 * sent before it read the GOAWAY is refused (`REFUSED_STREAM`: not processed), and the
 * client sends it again on a new connection (lean-unary.ts). Not the two-step GOAWAY of
 * gRPC servers: Node's server leaves a stream that arrives after its first GOAWAY
 * unanswered, whatever last stream id that GOAWAY named.
 */
function retire(session: http2.Http2Session): void {
  if (!session.closed && !session.destroyed) session.close();
}

/** `h2c`: HTTP/2 cleartext with prior knowledge (gRPC, Connect, gRPC-Web); `http1`: HTTP/1.1. */
export type Protocol = 'h2c' | 'http1';

/**
 * Listens on one TCP port with one protocol. Services speak `h2c` on their RPC port (as
 * every gRPC client does); the router adds an `http1` port for browsers, curl and the
 * OpenAI SDKs. An HTTP/2 connection gets GOAWAY after `maxConnectionAgeMs` ± 10 %
 * (default: the process's `services.max_connection_age`), timed on `clock`.
 */
export async function listen(
  address: Address,
  handler: NodeHandler,
  protocol: Protocol = 'h2c',
  tls: TlsMaterial | undefined = protocol === 'h2c' ? processTlsMaterial() : undefined,
  options: { maxConnectionAgeMs?: number; clock?: Clock } = {},
): Promise<Listener> {
  const maxConnectionAgeMs = options.maxConnectionAgeMs ?? processConnectionAgeMs;
  const clock = options.clock ?? systemClock;
  let connections = 0;
  let inFlight = 0;
  let draining = false;
  let drained: (() => void) | undefined;
  const counted: NodeHandler = (req, res) => {
    inFlight++;
    if (draining && res instanceof http.ServerResponse) res.shouldKeepAlive = false;
    // Every request continues the caller's trace (W3C traceparent) in a server span.
    withServerSpan(
      req.headers,
      `${req.method ?? 'POST'} ${(req.url ?? '/').split('?')[0]}`,
      (end) =>
        res.once('close', () => {
          inFlight--;
          if (inFlight === 0) drained?.();
          end(res.statusCode >= 500);
        }),
      () => handler(req, res),
    );
  };
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.Http2Session>();
  // Slow-loris guards: headers within 10 s, the whole request body within 30 s.
  const h1 = protocol === 'http1' ? http.createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, counted) : undefined;
  const h2 =
    protocol !== 'h2c'
      ? undefined
      : tls
        ? http2.createSecureServer(
            { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: tls.mutual, rejectUnauthorized: tls.mutual, minVersion: 'TLSv1.2' },
            counted,
          )
        : http2.createServer({}, counted);
  h2?.on('session', (session) => {
    sessions.add(session);
    connections++;
    const aged = maxConnectionAgeMs > 0 ? clock.setTimeout(() => retire(session), connectionAge(maxConnectionAgeMs)) : undefined;
    session.once('close', () => {
      clock.clearTimeout(aged);
      sessions.delete(session);
    });
  });
  const tcp = (h1 ?? h2)!;
  tcp.on(tls ? 'secureConnection' : 'connection', (socket: net.Socket) => {
    // RPC frames are small and written in several pieces: Nagle plus delayed ACK would
    // add tens of milliseconds to every call.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(address.port, address.host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const bound = tcp.address();
  if (bound === null || typeof bound === 'string') throw new Error(`listener on ${address.host}:${address.port}: expected a TCP address once bound, got ${JSON.stringify(bound)}`);
  return {
    address: { host: address.host, port: bound.port },
    get inFlight() {
      return inFlight;
    },
    get connections() {
      return connections;
    },
    async close(graceMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const session of sessions) retire(session);
      h1?.closeIdleConnections();
      const allDone = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([allDone, timeout]);
      clearTimeout(timer);
      h1?.closeIdleConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { Address } from '@ultra/config';

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
  /**
   * Stops accepting connections, lets in-flight requests finish (HTTP/2 GOAWAY, HTTP/1.1
   * `Connection: close`), and destroys what is left after `graceMs` milliseconds.
   */
  close(graceMs: number): Promise<void>;
}

const PREFACE = Buffer.from('PRI * HTTP/2.0');

/**
 * Listens on one TCP port for both HTTP/2 cleartext with prior knowledge (gRPC, Connect,
 * gRPC-Web) and HTTP/1.1 (Connect, gRPC-Web, curl), telling them apart by the HTTP/2
 * connection preface.
 */
export async function listen(address: Address, handler: NodeHandler): Promise<Listener> {
  let inFlight = 0;
  let draining = false;
  let drained: (() => void) | undefined;
  const counted: NodeHandler = (req, res) => {
    inFlight++;
    if (draining && 'setHeader' in res && !(res as http.ServerResponse).headersSent) {
      (res as http.ServerResponse).shouldKeepAlive = false;
    }
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
    handler(req, res);
  };
  const h1 = http.createServer(counted as http.RequestListener);
  const h2 = http2.createServer({}, counted as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.Http2Session>();
  h2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, PREFACE.length);
      const isH2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (isH2 && n < PREFACE.length) return; // need more bytes to decide
      socket.off('data', onData);
      socket.pause();
      socket.unshift(head);
      (isH2 ? h2 : h1).emit('connection', socket);
      socket.resume();
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(address.port, address.host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const bound = tcp.address() as net.AddressInfo;
  return {
    address: { host: address.host, port: bound.port },
    get inFlight() {
      return inFlight;
    },
    async close(graceMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const session of sessions) session.close();
      h1.closeIdleConnections();
      const allDone = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([allDone, timeout]);
      clearTimeout(timer);
      h1.closeIdleConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

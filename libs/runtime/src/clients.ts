import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { DescService } from '@bufbuild/protobuf';
import { createClient, type Client, type Interceptor } from '@connectrpc/connect';
import type http2 from 'node:http2';
import { createConnectTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { DialPool, type DialEndpoint, type DialPoolOptions, type SessionLike } from './dial-pool.ts';
import { createLeanUnaryTransport } from './lean-unary.ts';
import { inProcessEndpoint, isHostedInProcess } from './local-links.ts';
import { createLocalTransport } from './local-transport.ts';
import type { Address, DialTarget } from '@ultra/config';
import { processTlsMaterial, type TlsMaterial } from './tls.ts';
import { createTraceClientInterceptor } from '@ultra/telemetry';

const traceInterceptor = createTraceClientInterceptor();
const PING = { pingIntervalMs: 10_000, pingIdleConnection: false, idleConnectionTimeoutMs: 60_000 };

/** A service's client over its whole `dial` list, and a way to reach each endpoint on its own. */
export interface ServiceConnection<T extends DescService> {
  /** Each call to the endpoint with the fewest calls in flight (dial-pool.ts). */
  readonly client: Client<T>;
  /**
   * Calls `start` once for each endpoint, now and whenever one appears (a `dns:` lookup
   * found it), with a client that reaches that endpoint only and a signal aborted when the
   * endpoint goes away or `signal` aborts: a watch stream kept on every replica. In process
   * (topology `single`), once, with the in-process client.
   */
  eachEndpoint(signal: AbortSignal, start: (client: Client<T>, endpoint: string, signal: AbortSignal) => void): void;
}

/** The HTTP/2 session to one endpoint, with no Nagle on internal hops (see listener.ts). */
function connectEndpoint(e: DialEndpoint, tls: TlsMaterial | undefined): SessionLike {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  const servername = e.servername ?? (isIP(e.host) ? undefined : e.host);
  const nodeOptions: http2.SecureClientSessionOptions = tls
    ? {
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        createConnection: () =>
          tlsConnect({ host: e.host, port: e.port, ca: tls.ca, cert: tls.cert, key: tls.key, ALPNProtocols: ['h2'], ...(servername ? { servername } : {}) }).setNoDelay(true),
      }
    : { createConnection: () => netConnect({ host: e.host, port: e.port, noDelay: true }) };
  return new Http2SessionManager(`${tls ? 'https' : 'http'}://${host}:${e.port}`, PING, nodeOptions);
}

/** Connect's protocol with binary protobuf over `session`, unary calls on the lean path (lean-unary.ts). */
function transportOver(session: SessionLike, baseUrl: string, interceptors: Interceptor[]) {
  const base = createConnectTransport({ httpVersion: '2', useBinaryFormat: true, baseUrl, sessionManager: session, interceptors, ...PING });
  return createLeanUnaryTransport(base, { baseUrl, session, interceptors });
}

const asTargets = (dial: Address | readonly DialTarget[]): readonly DialTarget[] => ('port' in dial ? [{ host: dial.host, port: dial.port, dns: false }] : dial);

/**
 * A connection to a service at `dial` (one address, or its `services.<service>.dial`
 * list): Connect's protocol with binary protobuf over one long-lived HTTP/2 session per
 * endpoint (dial-pool.ts), each reconnecting by itself. Made once at start, never per
 * request. Connect rather than gRPC between Ultra's own services because it costs about
 * half the CPU per call on both ends (no trailers, no per-call web streams for unary
 * calls; `reports/bench-profile.md`); every server still speaks gRPC to outside clients.
 *
 * `extra` interceptors wrap the traced call: one that refuses or retries a call (the
 * router's link guards) makes no span for a refused call and one span per try.
 *
 * When this process hosts the service (topology `single`: an entry of `dial` is one of
 * its addresses), calls stay in process (local-transport.ts), with the same interceptors.
 */
export function createServiceConnection<T extends DescService>(
  service: T,
  dial: Address | readonly DialTarget[],
  extra: Interceptor[] = [],
  tls: TlsMaterial | undefined = processTlsMaterial(),
  pool: Pick<DialPoolOptions, 'lookup' | 'resolveEveryMs' | 'clock' | 'random'> = {},
): ServiceConnection<T> {
  const targets = asTargets(dial);
  const interceptors = [...extra, traceInterceptor];
  // Topology single: a service of this process is called in process, not over a socket.
  const local = targets.find((t) => isHostedInProcess(t));
  if (local) {
    const client = createClient(service, createLocalTransport(() => inProcessEndpoint(local), interceptors));
    return { client, eachEndpoint: (signal, start) => start(client, 'in-process', signal) };
  }
  const sessions = new DialPool({ targets, connect: (e) => connectEndpoint(e, tls), scheme: tls ? 'https' : 'http', ...pool });
  const baseUrl = sessions.authority;
  const client = createClient(service, transportOver(sessions, baseUrl, interceptors));
  return {
    client,
    eachEndpoint(signal, start) {
      const running = new Map<string, AbortController>();
      const sync = (endpoints: readonly DialEndpoint[]) => {
        const keys = new Set(endpoints.map((e) => e.key));
        for (const [key, stop] of running) if (!keys.has(key)) (stop.abort(), running.delete(key));
        for (const key of keys) {
          if (running.has(key) || signal.aborted) continue;
          const stop = new AbortController();
          running.set(key, stop);
          start(createClient(service, transportOver(sessions.pinned(key), baseUrl, interceptors)), key, AbortSignal.any([signal, stop.signal]));
        }
      };
      const off = sessions.onChange(sync);
      signal.addEventListener('abort', off, { once: true });
      sync(sessions.endpoints());
    },
  };
}

/** A client of the service at `dial` (see {@link createServiceConnection}). */
export function createServiceClient<T extends DescService>(
  service: T,
  dial: Address | readonly DialTarget[],
  extra: Interceptor[] = [],
  tls: TlsMaterial | undefined = processTlsMaterial(),
): Client<T> {
  return createServiceConnection(service, dial, extra, tls).client;
}

import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { DescService } from '@bufbuild/protobuf';
import { createClient, type Client, type Interceptor } from '@connectrpc/connect';
import type http2 from 'node:http2';
import { createConnectTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { createLeanUnaryTransport } from './lean-unary.ts';
import { inProcessEndpoint, isHostedInProcess } from './local-links.ts';
import { createLocalTransport } from './local-transport.ts';
import type { Address } from '@ultra/config';
import { processTlsMaterial, type TlsMaterial } from './tls.ts';
import { createTraceClientInterceptor } from '@ultra/telemetry';

const traceInterceptor = createTraceClientInterceptor();

/**
 * A client for a service at `address`: Connect's protocol with binary protobuf over one
 * long-lived HTTP/2 connection that reconnects by itself. Made once at start, never per
 * request. Connect rather than gRPC between Ultra's own services because it costs about
 * half the CPU per call on both ends (no trailers, no per-call web streams for unary
 * calls; `reports/bench-profile.md`); every server still speaks gRPC to outside clients.
 * Unary calls take a shorter path onto the same connection (lean-unary.ts).
 *
 * `extra` interceptors wrap the traced call: one that refuses or retries a call (the
 * router's link guards) makes no span for a refused call and one span per try.
 *
 * When this process hosts the service at `address` (topology `single`), the client calls
 * it in process instead (local-transport.ts), with the same interceptors.
 */
export function createServiceClient<T extends DescService>(
  service: T,
  address: Address,
  extra: Interceptor[] = [],
  tls: TlsMaterial | undefined = processTlsMaterial(),
): Client<T> {
  // Topology single: a service of this process is called in process, not over a socket.
  if (isHostedInProcess(address)) return createClient(service, createLocalTransport(() => inProcessEndpoint(address), [...extra, traceInterceptor]));
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const baseUrl = `${tls ? 'https' : 'http'}://${host}:${address.port}`;
  // No Nagle on internal hops (see listener.ts).
  const nodeOptions: http2.SecureClientSessionOptions = tls
    ? {
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        createConnection: (url: URL) =>
          tlsConnect({ host: url.hostname, port: Number(url.port), ca: tls.ca, cert: tls.cert, key: tls.key, ALPNProtocols: ['h2'], ...(isIP(url.hostname) ? {} : { servername: url.hostname }) }).setNoDelay(true),
      }
    : { createConnection: (url: URL) => netConnect({ host: url.hostname, port: Number(url.port), noDelay: true }) };
  const ping = { pingIntervalMs: 10_000, pingIdleConnection: false, idleConnectionTimeoutMs: 60_000 };
  // One HTTP/2 connection per target, shared by the unary calls and the streams.
  const session = new Http2SessionManager(baseUrl, ping, nodeOptions);
  const interceptors = [...extra, traceInterceptor];
  const base = createConnectTransport({ httpVersion: '2', useBinaryFormat: true, baseUrl, sessionManager: session, interceptors, ...ping });
  return createClient(service, createLeanUnaryTransport(base, { baseUrl, session, interceptors }));
}

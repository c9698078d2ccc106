import { startFaultProxy, type FaultProxyOptions } from './fault-proxy.ts';

/** The Toxiproxy API a test should drive. */
export interface ToxiproxyEndpoint {
  /** Base URL of the Toxiproxy HTTP API. */
  readonly url: string;
  /** True when it is an outside (real) Toxiproxy given by `TOXIPROXY_URL`. */
  readonly external: boolean;
  /** Stops the fault proxy if this call started it; leaves an outside one alone. */
  close(): Promise<void>;
}

/** Options for {@link toxiproxyUrl}. */
export interface ToxiproxyUrlOptions extends Partial<FaultProxyOptions> {
  /** Where `TOXIPROXY_URL` is read from. Default `process.env`. */
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * The Toxiproxy to use: `TOXIPROXY_URL` when set (a real Toxiproxy, e.g. the
 * docker-compose one), else our fault proxy, started on `127.0.0.1` and a free port
 * unless `host`/`port` say otherwise.
 */
export async function toxiproxyUrl(options: Partial<ToxiproxyUrlOptions> = {}): Promise<ToxiproxyEndpoint> {
  const { env = process.env, ...proxyOptions } = options;
  const external = env['TOXIPROXY_URL']?.trim();
  if (external) return { url: external.replace(/\/+$/, ''), external: true, close: async () => undefined };
  const proxy = await startFaultProxy({ port: 0, ...proxyOptions });
  return { url: proxy.url, external: false, close: () => proxy.close() };
}

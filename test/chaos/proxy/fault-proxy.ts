import type { AddressInfo } from 'node:net';
import { systemClock, systemRandom, type Clock, type Random } from '@ultra/core';
import { joinHostPort } from './address.ts';
import { createApiHandlers } from './api-handlers.ts';
import { buildApiServer } from './api-server.ts';
import { ProxyCollection } from './proxy-collection.ts';

/** Options for {@link startFaultProxy}; every field optional. */
export interface FaultProxyOptions {
  /** Interface the HTTP API listens on. Default `127.0.0.1`. */
  host: string;
  /** Port of the HTTP API; 0 picks a free one. Default 8474, Toxiproxy's. */
  port: number;
  /** Time source for every toxic. Default the system clock. */
  clock: Clock;
  /** Random source for jitter, slicer variation and toxicity rolls. Default `Math.random`. */
  random: Random;
}

/** Defaults for {@link FaultProxyOptions}. */
export const defaultFaultProxyOptions: FaultProxyOptions = Object.freeze({
  host: '127.0.0.1',
  port: 8474,
  clock: systemClock,
  random: systemRandom,
});

/** A running fault proxy. */
export interface FaultProxy {
  /** Base URL of its Toxiproxy HTTP API, e.g. `http://127.0.0.1:8474`. */
  readonly url: string;
  /** Stops every proxy (closing their connections) and the API server. */
  close(): Promise<void>;
}

/**
 * Starts a TCP fault proxy that serves the Toxiproxy v2 HTTP API, so any Toxiproxy
 * client (`toxiproxy-node-client`, curl, `toxiproxy-cli`) drives it unchanged.
 */
export async function startFaultProxy(options: Partial<FaultProxyOptions> = {}): Promise<FaultProxy> {
  const { host, port, clock, random } = { ...defaultFaultProxyOptions, ...options };
  const proxies = new ProxyCollection({ clock, random });
  const server = buildApiServer(createApiHandlers(proxies));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${joinHostPort(address.address, address.port)}`,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await proxies.clear();
        await closed;
      })()),
  };
}

import type { Address } from '@ultra/config';
import type { LocalEndpoint } from './local-transport.ts';

/**
 * Which services this process hosts, for the clients: a call to a hosted service's address
 * goes through the in-process transport (local-transport.ts) instead of a socket. Empty
 * unless `hostInProcess` was called (by `runServices` with several services), so a process
 * that runs one service, and every test that builds services side by side, keeps to the
 * network.
 */
const hosted = new Map<string, { endpoint?: LocalEndpoint }>();

const keyOf = (address: Address) => `${address.host}:${address.port}`;

/**
 * Declares, before any service starts, the services this process runs: for each, every
 * address it is known by (where it listens, and where it is dialled).
 */
export function hostInProcess(services: readonly (readonly Address[])[]): void {
  for (const addresses of services) {
    const slot = {};
    for (const a of addresses) if (!hosted.has(keyOf(a))) hosted.set(keyOf(a), slot);
  }
}

/** Whether calls to `address` stay in this process. */
export function isHostedInProcess(address: Address): boolean {
  return hosted.has(keyOf(address));
}

/** Offers a service's methods to in-process callers at its configured `address` (a no-op when it is not hosted here). */
export function offerInProcess(address: Address, endpoint: LocalEndpoint): void {
  const slot = hosted.get(keyOf(address));
  if (slot) slot.endpoint = endpoint;
}

/** The endpoint serving `address` in this process, once its service has been built. */
export function inProcessEndpoint(address: Address): LocalEndpoint | undefined {
  return hosted.get(keyOf(address))?.endpoint;
}

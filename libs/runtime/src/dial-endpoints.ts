import { lookup as dnsLookup } from 'node:dns/promises';
import type { DialTarget } from '@ultra/config';
import { formatDial } from '@ultra/config';

/** How often `dns:` targets are looked up again, ms (a new pod of a headless Service gets traffic within this). */
export const DIAL_RESOLVE_MS = 5_000;

/** One address of a service: `key` is `host:port`; `servername` is the DNS name for TLS when `host` came from a `dns:` lookup. */
export interface DialEndpoint {
  readonly key: string;
  readonly host: string;
  readonly port: number;
  readonly servername?: string | undefined;
}

/** Every IPv4 and IPv6 address of `name`, from the system resolver (`dns.lookup`). */
export const systemLookup = async (name: string) => (await dnsLookup(name, { all: true })).map((a) => a.address);

const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/** The endpoints a `dns:` target's name has now, sorted, each knowing the name (for TLS). */
export async function lookupEndpoints(target: DialTarget, lookup: (name: string) => Promise<string[]>): Promise<DialEndpoint[]> {
  const hosts = [...new Set(await lookup(target.host))].sort();
  return hosts.map((host) => ({ key: hostPort(host, target.port), host, port: target.port, servername: target.host }));
}

/**
 * The endpoints a `dial` list stands for, by key, in list order and each once: a plain
 * address as it is, a `dns:` target as its last good lookup found it (`resolved`, by the
 * target's text), none before one.
 */
export function endpointsOf(targets: readonly DialTarget[], resolved: ReadonlyMap<string, readonly DialEndpoint[]>): Map<string, DialEndpoint> {
  const wanted = new Map<string, DialEndpoint>();
  for (const t of targets) {
    const list = t.dns ? (resolved.get(formatDial(t)) ?? []) : [{ key: formatDial(t), host: t.host, port: t.port }];
    for (const e of list) if (!wanted.has(e.key)) wanted.set(e.key, e);
  }
  return wanted;
}

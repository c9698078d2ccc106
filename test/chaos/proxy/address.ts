import { isIPv6 } from 'node:net';

/** A TCP address split into host and port. */
export interface HostPort {
  /** Host name or IP; `''` means every interface. */
  readonly host: string;
  readonly port: number;
}

/**
 * Splits `host:port` (`[v6]:port` for IPv6) the way Go's `net.SplitHostPort` does; throws
 * an Error with Go's wording (`address x: missing port in address`) when it cannot.
 */
export function splitHostPort(address: string): HostPort {
  const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(address);
  const plain = /^([^:[\]]*):([^:]*)$/.exec(address);
  const match = bracketed ?? plain;
  if (!match) {
    const reason = address.includes(':') ? 'too many colons in address' : 'missing port in address';
    throw new Error(`address ${address}: ${reason}`);
  }
  const port = Number(match[2]);
  if (match[2] === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`address ${address}: invalid port`);
  }
  return { host: match[1] ?? '', port };
}

/** Joins host and port, bracketing IPv6 hosts: `127.0.0.1:80`, `[::]:80`. */
export function joinHostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The address a listener on `host` will have: `localhost` is 127.0.0.1 (the Go server
 * resolves it to IPv4), no host is every interface, `[::]`.
 */
export function listenHost(host: string): string {
  if (host === 'localhost') return '127.0.0.1';
  if (host === '') return '::';
  return host;
}

/** `address` in the form a proxy reports it once listening, for comparing listen fields. */
export function normalizeListen(address: string): string {
  const { host, port } = splitHostPort(address);
  return joinHostPort(listenHost(host), port);
}

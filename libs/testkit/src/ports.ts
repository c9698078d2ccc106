import { closeSync, mkdirSync, openSync, readFileSync, statSync, utimesSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Ports are drawn below the kernel's ephemeral range, so that no outgoing connection
 * (which takes its source port from that range) can grab one between the moment it is
 * handed out and the moment the service binds it.
 */
function ephemeralStart(): number {
  try {
    const [lo] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return lo !== undefined && Number.isInteger(lo) ? lo : 32768;
  } catch {
    return 32768;
  }
}

const RANGE_START = 20000;
const rangeEnd = Math.max(RANGE_START + 1000, ephemeralStart());
/** How long a port handed out stays reserved against other test processes. */
const RESERVED_MS = 10 * 60_000;
const reservations = join(tmpdir(), 'ultra-test-ports');

/**
 * Reserves `port` across every process on this machine for {@link RESERVED_MS}: parallel
 * test files each run in their own worker, and two of them must never get the same port.
 */
function reserve(port: number): boolean {
  mkdirSync(reservations, { recursive: true });
  const file = join(reservations, String(port));
  try {
    closeSync(openSync(file, 'wx'));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return true; // cannot keep reservations here: the bind check alone decides
    try {
      if (Date.now() - statSync(file).mtimeMs < RESERVED_MS) return false;
      utimesSync(file, new Date(), new Date());
      return true;
    } catch {
      return false;
    }
  }
}

const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** The OS's choice of port (the fallback when no reservable port turns up). */
const anyPort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

/**
 * A TCP port on 127.0.0.1 that is free, that no other caller of this function on the
 * machine got in the last ten minutes, and that no outgoing connection will take.
 */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = RANGE_START + Math.floor(Math.random() * (rangeEnd - RANGE_START));
    if ((await bindable(port)) && reserve(port)) return port;
  }
  return anyPort();
}

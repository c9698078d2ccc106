import net from 'node:net';

/**
 * Makes every TCP socket of this process send at once (TCP_NODELAY), both the ones it
 * dials and the ones it accepts.
 *
 * Why: Go sets TCP_NODELAY on every TCP connection, so the real Toxiproxy adds no delay
 * of its own, but our fault proxy (test/chaos/proxy) leaves Nagle's algorithm on. On
 * loopback, Nagle plus delayed ACKs holds the second small write of an HTTP/2 or Redis
 * exchange for up to 40 ms per hop: ~140 ms on every request of the stack, which would
 * drown the faults being measured. Applied only inside the fault proxy's own process
 * (see fault-proxy-process.ts) until the proxy sets `noDelay` itself.
 */
export function enableNoDelay(): void {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    this.setNoDelay(true);
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof connect;
  const emit = net.Server.prototype.emit as (this: net.Server, event: string | symbol, ...args: unknown[]) => boolean;
  net.Server.prototype.emit = function (this: net.Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'connection' && args[0] instanceof net.Socket) args[0].setNoDelay(true);
    return emit.call(this, event, ...args);
  } as typeof net.Server.prototype.emit;
}

import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Clock, Random } from '@ultra/core';
import { ApiError } from './api-error.ts';
import { joinHostPort, listenHost, normalizeListen, splitHostPort } from './address.ts';
import { Connection } from './connection.ts';
import { createMutex } from './mutex.ts';
import { ToxicCollection } from './toxic-collection.ts';
import { toxicToJson } from './toxic-types.ts';

/** What every proxy needs: the clock and random source its toxics use. */
export interface ProxyDeps {
  readonly clock: Clock;
  readonly random: Random;
}

/** The fields of a proxy the API sets. */
export interface ProxyFields {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
  readonly enabled: boolean;
}

/** Go's wording for the common listen failures. */
const bindErrors: Readonly<Record<string, string>> = {
  EADDRINUSE: 'bind: address already in use',
  EACCES: 'bind: permission denied',
  EADDRNOTAVAIL: 'bind: cannot assign requested address',
};

/** Thrown by {@link TcpProxy.start} when it is already listening (ignored by `/reset`). */
export const proxyAlreadyStarted = new ApiError('Proxy already started', 500);

/**
 * The addresses of an `upstream` field: one `host:port`, or (an extension over Toxiproxy)
 * several joined by commas, which the proxy takes in turn, one per client connection, as a
 * Kubernetes ClusterIP Service spreads connections over its pods.
 */
export const upstreamList = (upstream: string): string[] => upstream.split(',').map((u) => u.trim()).filter((u) => u !== '');

/**
 * One proxy: a listener on `listen` that dials `upstream` for every client and joins the
 * two through its toxics. Disabling it (the `down` fault) closes the listener and every
 * open connection, so new connections are refused until it is enabled again. An upstream
 * list (`a:1,b:2`) is dialled round-robin, one address per client connection.
 */
export class TcpProxy {
  readonly name: string;
  listen: string;
  upstream: string;
  enabled = false;
  readonly toxics = new ToxicCollection();
  readonly #deps: ProxyDeps;
  readonly #lock = createMutex();
  readonly #connections = new Set<Connection>();
  readonly #pending = new Set<Socket>();
  #server: Server | undefined;
  /** The next upstream of a list to dial. */
  #turn = 0;

  constructor(fields: Omit<ProxyFields, 'enabled'>, deps: ProxyDeps) {
    this.name = fields.name;
    this.listen = fields.listen;
    this.upstream = fields.upstream;
    this.#deps = deps;
  }

  /** Starts listening; a 500 ApiError if it cannot, {@link proxyAlreadyStarted} if it is. */
  start(): Promise<void> {
    return this.#lock.run(() => this.#start());
  }

  /** Stops listening and closes every connection. */
  stop(): Promise<void> {
    return this.#lock.run(() => this.#stop());
  }

  /**
   * Applies new fields: a new listen or upstream restarts it, as Toxiproxy does; `enabled`
   * starts or stops it. An upstream list that only gains addresses keeps the open
   * connections and sends new ones over the longer list (a Service gaining a pod).
   */
  update(fields: Omit<ProxyFields, 'name'>): Promise<void> {
    return this.#lock.run(async () => {
      if (this.#grows(fields)) {
        this.upstream = fields.upstream;
      } else if (this.differs(fields)) {
        await this.#stop();
        this.listen = fields.listen;
        this.upstream = fields.upstream;
      }
      if (fields.enabled !== this.enabled) await (fields.enabled ? this.#start() : this.#stop());
    });
  }

  /** Whether `other` names a different listen address (after resolving) or upstream. */
  differs(other: Pick<ProxyFields, 'listen' | 'upstream'>): boolean {
    let listen: string;
    try {
      listen = normalizeListen(other.listen);
    } catch (e) {
      throw new ApiError(e instanceof Error ? e.message : String(e), 500);
    }
    return listen !== this.listen || other.upstream !== this.upstream;
  }

  /** Whether `other` keeps the listen address and every upstream, adding some. */
  #grows(other: Pick<ProxyFields, 'listen' | 'upstream'>): boolean {
    if (other.upstream === this.upstream || this.differs({ listen: other.listen, upstream: this.upstream })) return false;
    const now = upstreamList(this.upstream);
    const next = upstreamList(other.upstream);
    return now.length > 0 && next.length > now.length && now.every((u, i) => next[i] === u);
  }

  /** The JSON the API shows: fields in the Go server's order, then the toxics. */
  toJSON(): ProxyFields & { toxics: ReturnType<typeof toxicToJson>[] } {
    const { name, listen, upstream, enabled } = this;
    return { name, listen, upstream, enabled, toxics: this.toxics.list().map(toxicToJson) };
  }

  async #start(): Promise<void> {
    if (this.enabled) throw proxyAlreadyStarted;
    // TCP_NODELAY on both sockets, as Go (and so the real Toxiproxy) sets on every TCP
    // connection: with Nagle's algorithm, the proxy itself would hold small writes (HTTP/2
    // frames, Redis replies) up to 40 ms on loopback, on top of the toxics.
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (client) => this.#accept(client));
    let address: { address: string; port: number };
    try {
      const { host, port } = splitHostPort(this.listen);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: listenHost(host), port }, resolve);
      });
      address = server.address() as { address: string; port: number };
    } catch (e) {
      server.close();
      const code = (e as NodeJS.ErrnoException).code ?? '';
      const reason = bindErrors[code] ?? (e instanceof Error ? e.message : String(e));
      throw new ApiError(`listen tcp ${this.listen}: ${reason}`, 500);
    }
    server.on('error', () => undefined);
    this.#server = server;
    this.listen = joinHostPort(address.address, address.port);
    this.enabled = true;
  }

  async #stop(): Promise<void> {
    if (!this.enabled) return;
    this.enabled = false;
    const server = this.#server;
    this.#server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const socket of this.#pending) socket.destroy();
    this.#pending.clear();
    for (const connection of this.#connections) connection.destroy();
    this.#connections.clear();
    await closed;
  }

  #accept(client: Socket): void {
    client.on('error', () => undefined);
    this.#pending.add(client);
    let target: { host: string; port: number };
    try {
      const list = upstreamList(this.upstream);
      target = splitHostPort(list[this.#turn++ % Math.max(1, list.length)] ?? this.upstream);
    } catch {
      this.#pending.delete(client);
      client.destroy();
      return;
    }
    const upstream = connect({ host: target.host || 'localhost', port: target.port, allowHalfOpen: true, noDelay: true });
    upstream.on('error', () => undefined);
    this.#pending.add(upstream);
    const settle = (): boolean => this.#pending.delete(client) && this.#pending.delete(upstream);
    upstream.once('connect', () => {
      if (!settle()) return upstream.destroy();
      const connection = new Connection(client, upstream, { ...this.#deps, toxics: this.toxics });
      this.#connections.add(connection);
      connection.start(() => this.#connections.delete(connection));
    });
    upstream.once('close', () => {
      if (settle()) client.destroy();
    });
  }
}

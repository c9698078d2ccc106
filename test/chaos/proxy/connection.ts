import type { Socket } from 'node:net';
import type { Clock, Random } from '@ultra/core';
import type { ChunkTarget } from './stream-chunk.ts';
import type { ToxicCollection } from './toxic-collection.ts';
import type { ToxicLink } from './toxic-link.ts';
import type { Direction } from './toxic-types.ts';

/**
 * Bytes read from one side but not yet written to the other (held by toxics or queued on
 * the socket) above which the proxy stops reading that side, so a slow toxic pushes back
 * on the sender instead of buffering without bound.
 */
export const HIGH_WATER_BYTES = 1 << 20;

/** What a connection needs from its proxy. */
export interface ConnectionDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly toxics: ToxicCollection;
}

/**
 * A client socket and its upstream socket joined by two links: `upstream` (client →
 * server) and `downstream` (server → client). As in the Go server, when either link's
 * stream ends its destination socket is closed outright (no TCP half-close), which in
 * turn ends the other link; a `reset_peer` toxic makes every close a TCP RST.
 */
export class Connection {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly #deps: ConnectionDeps;
  readonly #links: ToxicLink[] = [];
  #reset = false;

  constructor(client: Socket, upstream: Socket, deps: ConnectionDeps) {
    this.client = client;
    this.upstream = upstream;
    this.#deps = deps;
  }

  /** Wires both links and starts reading; `onEnd` runs once both sockets have closed. */
  start(onEnd: () => void): void {
    this.#links.push(this.#pipe('upstream', this.client, this.upstream));
    this.#links.push(this.#pipe('downstream', this.upstream, this.client));
    let open = 2;
    const closed = (): void => {
      if (--open > 0) return;
      this.#stop();
      onEnd();
    };
    for (const socket of [this.client, this.upstream]) {
      if (socket.destroyed) closed();
      else socket.once('close', closed);
    }
  }

  /** Closes both sockets now (the proxy went down or was deleted). */
  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
    this.#stop();
  }

  #stop(): void {
    for (const link of this.#links.splice(0)) {
      link.kill();
      this.#deps.toxics.dropLink(link);
    }
  }

  #pipe(direction: Direction, source: Socket, dest: Socket): ToxicLink {
    const { clock, random, toxics } = this.#deps;
    let inFlight = 0;
    let paused = false;
    const release = (bytes: number): void => {
      inFlight -= bytes;
      if (paused && inFlight < HIGH_WATER_BYTES / 2) {
        paused = false;
        source.resume();
      }
    };
    const sink: ChunkTarget = {
      push: (item) => {
        if (item === null) return this.#close(dest);
        if (dest.destroyed || dest.writableEnded) return release(item.data.length);
        dest.write(item.data, () => release(item.data.length));
      },
    };
    const hooks = { clock, random, onDiscard: release, onReset: () => void (this.#reset = true) };
    const link = toxics.createLink(direction, sink, hooks);
    source.on('data', (data: Buffer) => {
      inFlight += data.length;
      if (!paused && inFlight >= HIGH_WATER_BYTES) {
        paused = true;
        source.pause();
      }
      link.push({ data, timestamp: clock.now() });
    });
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      link.push(null);
    };
    source.on('end', end);
    source.on('close', end);
    if (source.destroyed) end();
    else source.resume();
    return link;
  }

  #close(socket: Socket): void {
    if (this.#reset) {
      if (!socket.destroyed) socket.resetAndDestroy();
      return;
    }
    if (!socket.destroyed) socket.end(() => socket.destroy());
  }
}

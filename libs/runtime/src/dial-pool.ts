import type http2 from 'node:http2';
import { Code, ConnectError } from '@connectrpc/connect';
import type { DialTarget } from '@ultra/config';
import { formatDial } from '@ultra/config';
import { systemClock, systemRandom, type Clock, type Random } from '@ultra/core';
import { backoffDelay } from '@ultra/resilience/backoff';
import { DIAL_RESOLVE_MS, endpointsOf, lookupEndpoints, systemLookup, type DialEndpoint } from './dial-endpoints.ts';

export { DIAL_RESOLVE_MS, type DialEndpoint } from './dial-endpoints.ts';
/** An endpoint that refused a connection is left out for this long, doubling per refusal in a row up to {@link DIAL_DOWN_MAX_MS}, ms. */
export const DIAL_DOWN_MS = 250;
export const DIAL_DOWN_MAX_MS = 10_000;
/** (an unjittered backoff draws nothing) */
const noRandom = () => 0;

/** What the transports use of an HTTP/2 session (connect-node's `Http2SessionManager` has it). */
export interface SessionLike {
  readonly authority: string;
  request(method: string, path: string, headers: http2.OutgoingHttpHeaders, options: Omit<http2.ClientSessionRequestOptions, 'signal'>): Promise<http2.ClientHttp2Stream>;
  notifyResponseByteRead(stream: http2.ClientHttp2Stream): void;
  abort(reason?: Error): void;
}

export interface DialPoolOptions {
  /** The `dial` list. */
  readonly targets: readonly DialTarget[];
  /** Opens the session to one endpoint (called once per endpoint). */
  connect(endpoint: DialEndpoint): SessionLike;
  clock?: Clock | undefined;
  random?: Random | undefined;
  /** `https` when the sessions use TLS (the authority the transports check). Default `http`. */
  scheme?: 'http' | 'https' | undefined;
  /** How often `dns:` targets are looked up again, ms. Default {@link DIAL_RESOLVE_MS}. */
  resolveEveryMs?: number | undefined;
  /** Every IPv4 and IPv6 address of a name. Default: the system resolver (`dns.lookup`, all addresses). */
  lookup?: ((name: string) => Promise<string[]>) | undefined;
}

interface Slot {
  readonly endpoint: DialEndpoint;
  readonly session: SessionLike;
  /** Calls in flight, watch streams left out (they carry no load and last for the connection's life). */
  outstanding: number;
  /** Streams open, watch streams included. */
  open: number;
  refusals: number;
  downUntil: number;
  removed: boolean;
}

/** A watch stream (`WatchProviders`, `grpc.health.v1.Health/Watch`): no load, for the connection's life. */
const isWatch = (path: string) => /\/Watch[A-Z]?\w*$/.test(path);

/**
 * One HTTP/2 session per endpoint of a `dial` list, used by the transports as one
 * session: each call goes to the endpoint with the fewest calls in flight (ties taken in
 * turn), a call whose connection could not be opened (nothing was sent) goes to the next
 * endpoint, and an endpoint that refused is left out for a backoff. `dns:` targets are
 * looked up every `resolveEveryMs`: a new address gets calls at once; one that went away
 * gets none, keeps its calls in flight to their end, then its session is closed.
 */
export class DialPool implements SessionLike {
  readonly authority: string;
  readonly #slots = new Map<string, Slot>();
  readonly #byStream = new WeakMap<http2.ClientHttp2Stream, Slot>();
  readonly #listeners = new Set<(endpoints: readonly DialEndpoint[]) => void>();
  readonly #options: DialPoolOptions;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #lookup: (name: string) => Promise<string[]>;
  /** Endpoints of each `dns:` target from its last good lookup. */
  readonly #resolved = new Map<string, DialEndpoint[]>();
  #turn = 0;
  #timer: unknown;
  #closed = false;
  /** Settles when the first lookup of every `dns:` target has ended. */
  readonly ready: Promise<void>;

  constructor(options: DialPoolOptions) {
    if (options.targets.length === 0) throw new Error('a dial list needs at least one address');
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
    this.#lookup = options.lookup ?? systemLookup;
    const first = options.targets[0]!;
    this.authority = new URL(`${options.scheme ?? 'http'}://${first.host.includes(':') ? `[${first.host}]` : first.host}:${first.port}`).origin;
    this.#turn = Math.floor(this.#random() * 1024);
    this.#apply();
    this.ready = this.resolve();
  }

  /** The endpoints calls may go to now. */
  endpoints(): DialEndpoint[] {
    return [...this.#slots.values()].filter((s) => !s.removed).map((s) => s.endpoint);
  }

  /** Calls in flight to each endpoint (for tests and status). */
  outstanding(): Record<string, number> {
    return Object.fromEntries([...this.#slots.values()].filter((s) => !s.removed).map((s) => [s.endpoint.key, s.outstanding]));
  }

  /** Told the endpoints after every change; returns the function that stops it. */
  onChange(listener: (endpoints: readonly DialEndpoint[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Looks every `dns:` target up again now (also done every `resolveEveryMs`). */
  async resolve(): Promise<void> {
    const dns = this.#options.targets.filter((t) => t.dns);
    if (dns.length === 0 || this.#closed) return;
    await Promise.all(
      dns.map(async (t) => {
        try {
          this.#resolved.set(formatDial(t), await lookupEndpoints(t, this.#lookup));
        } catch {
          // A failed lookup keeps what the last one found: a DNS hiccup must not empty the list.
        }
      }),
    );
    this.#apply();
    this.#clock.clearTimeout(this.#timer);
    if (!this.#closed) this.#timer = this.#clock.setTimeout(() => void this.resolve(), this.#options.resolveEveryMs ?? DIAL_RESOLVE_MS);
  }

  #apply(): void {
    const wanted = endpointsOf(this.#options.targets, this.#resolved);
    let changed = false;
    for (const [key, endpoint] of wanted) {
      const slot = this.#slots.get(key);
      if (slot) {
        // Back before its last calls ended: it keeps its session.
        if (slot.removed) changed = true;
        slot.removed = false;
        continue;
      }
      this.#slots.set(key, { endpoint, session: this.#options.connect(endpoint), outstanding: 0, open: 0, refusals: 0, downUntil: 0, removed: false });
      changed = true;
    }
    for (const slot of this.#slots.values()) {
      if (!slot.removed && !wanted.has(slot.endpoint.key)) {
        slot.removed = true;
        changed = true;
        if (slot.open === 0) this.#retire(slot);
      }
    }
    if (changed) for (const l of this.#listeners) l(this.endpoints());
  }

  #retire(slot: Slot): void {
    this.#slots.delete(slot.endpoint.key);
    slot.session.abort();
  }

  /** The endpoint for the next call: the fewest in flight among those not left out, ties in turn. */
  #pick(tried: ReadonlySet<Slot>, only?: string): Slot | undefined {
    const live = [...this.#slots.values()].filter((s) => !s.removed && !tried.has(s) && (only === undefined || s.endpoint.key === only));
    if (live.length === 0) return undefined;
    const now = this.#clock.now();
    const up = live.filter((s) => s.downUntil <= now);
    // Every endpoint left out: try the one due back first rather than fail without trying.
    if (up.length === 0) return live.reduce((a, b) => (b.downUntil < a.downUntil ? b : a));
    const start = this.#turn++ % up.length;
    let best = up[start]!;
    for (let i = 1; i < up.length; i++) {
      const s = up[(start + i) % up.length]!;
      if (s.outstanding < best.outstanding) best = s;
    }
    return best;
  }

  request(method: string, path: string, headers: http2.OutgoingHttpHeaders, options: Omit<http2.ClientSessionRequestOptions, 'signal'>): Promise<http2.ClientHttp2Stream> {
    return this.requestAt(undefined, method, path, headers, options);
  }

  /** A call to one endpoint (`key`), or to the best one when undefined. */
  async requestAt(key: string | undefined, method: string, path: string, headers: http2.OutgoingHttpHeaders, options: Omit<http2.ClientSessionRequestOptions, 'signal'>): Promise<http2.ClientHttp2Stream> {
    if (this.#slots.size === 0) await this.ready;
    const counted = !isWatch(path);
    const tried = new Set<Slot>();
    let last: unknown;
    for (;;) {
      const slot = this.#pick(tried, key);
      if (!slot) throw last ?? new ConnectError(`no address to dial: ${this.#describe()}`, Code.Unavailable);
      tried.add(slot);
      slot.open++;
      if (counted) slot.outstanding++;
      let stream: http2.ClientHttp2Stream;
      try {
        stream = await slot.session.request(method, path, headers, options);
      } catch (e) {
        // Nothing was sent: the next endpoint may take the call.
        this.#release(slot, counted);
        slot.refusals++;
        slot.downUntil = this.#clock.now() + backoffDelay({ baseMs: DIAL_DOWN_MS, capMs: DIAL_DOWN_MAX_MS, jitter: 'none' }, slot.refusals, noRandom);
        last = e;
        continue;
      }
      slot.refusals = 0;
      slot.downUntil = 0;
      this.#byStream.set(stream, slot);
      stream.once('close', () => this.#release(slot, counted));
      return stream;
    }
  }

  #release(slot: Slot, counted: boolean): void {
    slot.open--;
    if (counted) slot.outstanding--;
    if (slot.removed && slot.open === 0) this.#retire(slot);
  }

  #describe(): string {
    const targets = this.#options.targets.map(formatDial).join(', ');
    return this.#options.targets.some((t) => t.dns) ? `${targets} (no address found yet)` : targets;
  }

  notifyResponseByteRead(stream: http2.ClientHttp2Stream): void {
    const slot = this.#byStream.get(stream);
    slot?.session.notifyResponseByteRead(stream);
  }

  /** Closes every session and stops looking names up. */
  abort(reason?: Error): void {
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    for (const slot of this.#slots.values()) slot.session.abort(reason);
    this.#slots.clear();
  }

  /** A session that sends every call to the endpoint `key` (a watch kept on each endpoint). */
  pinned(key: string): SessionLike {
    return {
      authority: this.authority,
      request: (method, path, headers, options) => this.requestAt(key, method, path, headers, options),
      notifyResponseByteRead: (stream) => this.notifyResponseByteRead(stream),
      abort: () => undefined,
    };
  }
}

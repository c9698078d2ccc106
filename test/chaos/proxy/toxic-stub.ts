import type { Clock, Random } from '@ultra/core';
import type { ChunkTarget, StreamChunk, StreamItem } from './stream-chunk.ts';
import type { ToxicKind, ToxicWrapper } from './toxic-types.ts';

/** {@link ToxicStub.read} result when the running toxic is being interrupted. */
export const INTERRUPTED = Symbol('interrupted');
/** {@link ToxicStub.read} result when its timeout passed with no input. */
export const TIMED_OUT = Symbol('timed-out');

/** What a stub needs from its link. */
export interface StubHooks {
  readonly clock: Clock;
  /** Draws the toxicity roll each time a toxic starts on the stub. */
  readonly random: Random;
  /** Told of every byte a toxic drops, so the link can resume reading its source. */
  onDiscard(bytes: number): void;
  /** Told when a toxic asks for the connection to end with a TCP RST. */
  onReset(): void;
}

/**
 * One toxic's place in one direction of one connection, like the Go `ToxicStub`: an
 * input queue, an output that can be rewired, and the toxic currently running on it.
 * Interrupting a stub stops its toxic (which puts back what it holds) so the toxic can
 * be updated or removed while the connection stays open.
 */
export class ToxicStub implements ChunkTarget {
  output: ChunkTarget;
  /** Per-connection toxic state (for example bytes already let through). */
  state: unknown;
  /** The toxic this stub runs; `undefined` for a link's hidden head. */
  toxic: ToxicWrapper | undefined;
  #closed = false;
  readonly #queue: StreamItem[] = [];
  #waiter: ((item: StreamItem | typeof INTERRUPTED | typeof TIMED_OUT) => void) | undefined;
  #run = new AbortController();
  readonly #kill = new AbortController();
  #running: Promise<void> = Promise.resolve();
  readonly #hooks: StubHooks;

  constructor(output: ChunkTarget, hooks: StubHooks) {
    this.output = output;
    this.#hooks = hooks;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get clock(): Clock {
    return this.#hooks.clock;
  }

  get random(): Random {
    return this.#hooks.random;
  }

  /** Input side: the previous stage writes here. */
  push(item: StreamItem): void {
    if (this.#closed) {
      if (item) this.discard(item);
      return;
    }
    const waiter = this.#waiter;
    if (waiter) waiter(item);
    else this.#queue.push(item);
  }

  /** Puts an item back at the head of the input, to be read first. */
  unread(item: StreamItem): void {
    this.#queue.unshift(item);
  }

  /** Next input item (`null` is end of stream), or {@link INTERRUPTED} when the toxic must stop. */
  read(): Promise<StreamItem | typeof INTERRUPTED> {
    return this.#take(undefined) as Promise<StreamItem | typeof INTERRUPTED>;
  }

  /** Like {@link ToxicStub.read}, or {@link TIMED_OUT} when `timeoutMs` passes with no input. */
  readWithin(timeoutMs: number): Promise<StreamItem | typeof INTERRUPTED | typeof TIMED_OUT> {
    return this.#take(timeoutMs);
  }

  #take(timeoutMs: number | undefined): Promise<StreamItem | typeof INTERRUPTED | typeof TIMED_OUT> {
    const signal = this.#run.signal;
    if (signal.aborted) return Promise.resolve(INTERRUPTED);
    if (this.#queue.length > 0) return Promise.resolve(this.#queue.shift() as StreamItem);
    return new Promise((resolve) => {
      const clock = this.#hooks.clock;
      const finish = (item: StreamItem | typeof INTERRUPTED | typeof TIMED_OUT): void => {
        if (this.#waiter !== finish) return;
        this.#waiter = undefined;
        if (timer !== undefined) clock.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(item);
      };
      const onAbort = (): void => finish(INTERRUPTED);
      const timer = timeoutMs === undefined ? undefined : clock.setTimeout(() => finish(TIMED_OUT), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiter = finish;
    });
  }

  /**
   * Waits `ms`; `true` when the time is up, `false` if interrupted first. With
   * `interruptible: false` only the connection's end cuts the wait short.
   */
  sleep(ms: number, options: { interruptible?: boolean } = {}): Promise<boolean> {
    const signal = options.interruptible === false ? this.#kill.signal : this.#run.signal;
    if (signal.aborted) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    const clock = this.#hooks.clock;
    return new Promise((resolve) => {
      const onAbort = (): void => {
        clock.clearTimeout(timer);
        resolve(false);
      };
      const timer = clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Passes a chunk on to the output. */
  write(chunk: StreamChunk): void {
    if (this.#closed) this.discard(chunk);
    else this.output.push(chunk);
  }

  /** Drops a chunk on the floor (the byte count still reaches the link's accounting). */
  discard(chunk: { readonly data: Buffer }): void {
    this.#hooks.onDiscard(chunk.data.length);
  }

  /** Ends the stream downstream of this stub; later input is dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const item of this.#queue.splice(0)) if (item) this.discard(item);
    this.output.push(null);
  }

  /** Ends the stream and asks for the connection to be torn down with a TCP RST. */
  reset(): void {
    this.#hooks.onReset();
    this.close();
  }

  /** Starts `toxic` on this stub; it acts with probability `toxic.toxicity`, else data passes. */
  start(toxic: ToxicWrapper, noop: ToxicKind): void {
    if (this.#closed) return;
    this.toxic = toxic;
    this.#run = new AbortController();
    const kind = this.#hooks.random() < toxic.toxicity ? toxic.kind : noop;
    this.#running = kind.pipe(this, () => toxic.attributes).catch(() => this.close());
  }

  /** Starts the pass-through toxic (for a link's head). */
  startNoop(noop: ToxicKind): void {
    this.#run = new AbortController();
    this.#running = noop.pipe(this, () => ({})).catch(() => this.close());
  }

  /** Stops the running toxic; `false` if the stub had already closed. */
  async interrupt(): Promise<boolean> {
    if (this.#closed) return false;
    this.#run.abort();
    await this.#running;
    return !this.#closed;
  }

  /** Moves queued input to the output (used when the stub leaves the chain). */
  drain(): void {
    for (const item of this.#queue.splice(0)) {
      if (item === null) {
        this.close();
        return;
      }
      this.output.push(item);
    }
  }

  /** Stops everything at once: the connection is gone. */
  kill(): void {
    this.#closed = true;
    this.#queue.length = 0;
    this.#run.abort();
    this.#kill.abort();
  }
}

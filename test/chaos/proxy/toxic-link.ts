import type { ChunkTarget, StreamItem } from './stream-chunk.ts';
import { noopToxic } from './toxic-registry.ts';
import { ToxicStub, type StubHooks } from './toxic-stub.ts';
import type { Direction, ToxicWrapper } from './toxic-types.ts';

/**
 * One direction of one connection: source bytes → hidden head stub → one stub per
 * toxic, in order → sink. Like the Go `ToxicLink`, toxics are added at the end, and
 * updated or removed in place, while data keeps flowing.
 */
export class ToxicLink implements ChunkTarget {
  readonly direction: Direction;
  readonly #stubs: ToxicStub[];
  readonly #hooks: StubHooks;

  constructor(direction: Direction, chain: readonly ToxicWrapper[], sink: ChunkTarget, hooks: StubHooks) {
    this.direction = direction;
    this.#hooks = hooks;
    const head = new ToxicStub(sink, hooks);
    this.#stubs = [head];
    for (const toxic of chain) this.#append(toxic);
    head.startNoop(noopToxic);
  }

  /** Feeds the link: a chunk read from the source, or `null` when the source ended. */
  push(item: StreamItem): void {
    this.#stubs[0]?.push(item);
  }

  /** Puts `toxic` at the end of the chain. */
  addToxic(toxic: ToxicWrapper): void {
    const last = this.#stubs.at(-1);
    if (!last || last.closed) return;
    this.#append(toxic);
  }

  /** Restarts `toxic` with its new attributes and a fresh toxicity roll. */
  async updateToxic(toxic: ToxicWrapper): Promise<void> {
    const stub = this.#stubs.find((s) => s.toxic === toxic);
    if (stub && (await stub.interrupt())) stub.start(toxic, noopToxic);
  }

  /** Takes `toxic` out of the chain; data it held moves on, in order. */
  async removeToxic(toxic: ToxicWrapper): Promise<void> {
    const stub = this.#stubs.find((s) => s.toxic === toxic);
    if (!stub || !(await stub.interrupt())) return;
    toxic.kind.cleanup?.(stub);
    if (stub.closed) return;
    const index = this.#stubs.indexOf(stub);
    const previous = this.#stubs[index - 1];
    if (!previous) return;
    stub.drain();
    previous.output = stub.output;
    this.#stubs.splice(index, 1);
  }

  /** Stops every stub at once (the connection is gone); pending timers are cleared. */
  kill(): void {
    for (const stub of this.#stubs) stub.kill();
  }

  #append(toxic: ToxicWrapper): void {
    const last = this.#stubs.at(-1) as ToxicStub;
    const stub = new ToxicStub(last.output, this.#hooks);
    stub.state = toxic.kind.newState?.();
    last.output = stub;
    this.#stubs.push(stub);
    stub.start(toxic, noopToxic);
  }
}

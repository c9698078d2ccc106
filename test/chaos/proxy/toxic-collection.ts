import { errors } from './api-error.ts';
import type { JsonBody } from './json-fields.ts';
import { createMutex } from './mutex.ts';
import type { ChunkTarget } from './stream-chunk.ts';
import { decodeAttributes, decodeToxicCreate, decodeToxicUpdate, parseDirection } from './toxic-input.ts';
import { ToxicLink } from './toxic-link.ts';
import { toxicKinds } from './toxic-registry.ts';
import type { StubHooks } from './toxic-stub.ts';
import { directions, type Direction, type ToxicWrapper } from './toxic-types.ts';

/**
 * The toxics of one proxy, one ordered chain per direction, and every running link they
 * act on. Changes reach open connections at once, as in the Go `ToxicCollection`.
 */
export class ToxicCollection {
  readonly #chains: Record<Direction, ToxicWrapper[]> = { upstream: [], downstream: [] };
  readonly #links = new Set<ToxicLink>();
  readonly #lock = createMutex();

  /** All toxics, upstream chain first, each in chain order. */
  list(): ToxicWrapper[] {
    return directions.flatMap((d) => this.#chains[d]);
  }

  /** The toxic called `name`; a 404 ApiError when there is none. */
  get(name: string): ToxicWrapper {
    const toxic = this.#find(name);
    if (!toxic) throw errors.toxicNotFound;
    return toxic;
  }

  /** Adds a toxic from a create request body; 400 on bad input, 409 on a taken name. */
  add(body: JsonBody): Promise<ToxicWrapper> {
    return this.#lock.run(async () => {
      const input = decodeToxicCreate(body.parse());
      const direction = parseDirection(input.stream);
      const name = input.name === '' ? `${input.type}_${input.stream}` : input.name;
      const kind = toxicKinds.get(input.type);
      if (!kind) throw errors.invalidToxicType;
      if (this.#find(name)) throw errors.toxicAlreadyExists;
      const attributes = decodeAttributes(kind, input.attributes);
      const toxic: ToxicWrapper = { name, type: input.type, stream: input.stream, direction, toxicity: input.toxicity, attributes, kind };
      this.#chains[direction].push(toxic);
      for (const link of this.#linksOf(direction)) link.addToxic(toxic);
      return toxic;
    });
  }

  /** Updates attributes (merged) and toxicity of toxic `name`, restarting it on open links. */
  update(name: string, body: JsonBody): Promise<ToxicWrapper> {
    return this.#lock.run(async () => {
      const toxic = this.get(name);
      const input = decodeToxicUpdate(body.parse());
      toxic.attributes = decodeAttributes(toxic.kind, input.attributes, toxic.attributes);
      if (input.toxicity !== undefined) toxic.toxicity = input.toxicity;
      await Promise.all(this.#linksOf(toxic.direction).map((link) => link.updateToxic(toxic)));
      return toxic;
    });
  }

  /** Removes toxic `name` from the chain and from every open link; 404 if absent. */
  remove(name: string): Promise<void> {
    return this.#lock.run(() => this.#remove(this.get(name)));
  }

  /** Removes every toxic. */
  reset(): Promise<void> {
    return this.#lock.run(async () => {
      for (const toxic of this.list()) await this.#remove(toxic);
    });
  }

  /** Builds a link for a new connection from the current chain and tracks it. */
  createLink(direction: Direction, sink: ChunkTarget, hooks: StubHooks): ToxicLink {
    const link = new ToxicLink(direction, this.#chains[direction], sink, hooks);
    this.#links.add(link);
    return link;
  }

  /** Stops tracking a link whose connection has ended. */
  dropLink(link: ToxicLink): void {
    this.#links.delete(link);
  }

  async #remove(toxic: ToxicWrapper): Promise<void> {
    const chain = this.#chains[toxic.direction];
    chain.splice(chain.indexOf(toxic), 1);
    await Promise.all(this.#linksOf(toxic.direction).map((link) => link.removeToxic(toxic)));
  }

  #linksOf(direction: Direction): ToxicLink[] {
    return [...this.#links].filter((link) => link.direction === direction);
  }

  #find(name: string): ToxicWrapper | undefined {
    return this.list().find((t) => t.name === name);
  }
}

import type { ToxicStub } from './toxic-stub.ts';

/** Which way a toxic acts: `upstream` is client → server, `downstream` server → client. */
export type Direction = 'upstream' | 'downstream';

/** Both directions, in the order the Go server lists toxics (upstream first). */
export const directions: readonly Direction[] = ['upstream', 'downstream'];

/** Live attribute values of one toxic; every Toxiproxy attribute is an integer. */
export type Attributes<K extends string = string> = Readonly<Record<K, number>>;

/**
 * One toxic type (`latency`, `bandwidth`, ...): its attribute names in the order the Go
 * server serializes them, and how it moves data through a {@link ToxicStub}.
 */
export interface ToxicKind<K extends string = string> {
  /** The `type` string of the API. */
  readonly type: string;
  /** Attribute names, JSON order; each defaults to 0. */
  readonly attributes: readonly K[];
  /**
   * Moves data from the stub's input to its output until the stream ends (then it must
   * call `stub.close()`) or the stub is interrupted (then it returns, putting back any
   * data it holds with `stub.unread`). `attrs` is read again on every use, so updates
   * made through the API take effect on running connections.
   */
  pipe(stub: ToxicStub, attrs: () => Attributes<K>): Promise<void>;
  /** Per-connection state, created when the toxic is attached to a link. */
  newState?(): unknown;
  /** Called when the toxic is removed from a running link, after it was interrupted. */
  cleanup?(stub: ToxicStub): void;
}

/** A toxic as configured on a proxy: the API fields plus its kind. */
export interface ToxicWrapper {
  readonly name: string;
  readonly type: string;
  /** The `stream` string as given (the Go server echoes it back unchanged). */
  readonly stream: string;
  readonly direction: Direction;
  /** Probability in [0, 1] that the toxic acts on a given connection. */
  toxicity: number;
  attributes: Attributes;
  readonly kind: ToxicKind;
}

/** The JSON form of a toxic, same field order as the Go server. */
export function toxicToJson(t: ToxicWrapper): {
  attributes: Attributes;
  name: string;
  type: string;
  stream: string;
  toxicity: number;
} {
  return { attributes: t.attributes, name: t.name, type: t.type, stream: t.stream, toxicity: t.toxicity };
}

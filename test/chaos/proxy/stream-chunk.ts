/** A piece of TCP payload moving through a chain of toxics. */
export interface StreamChunk {
  /** The bytes, as read from the source socket (or a slice of them). */
  data: Buffer;
  /**
   * When the bytes were read from the source, in ms on the proxy's clock. Timing toxics
   * move it forward to when they released the chunk, so chained delays add up.
   */
  timestamp: number;
}

/** What flows between the stages of a link: a chunk, or `null` for end of stream. */
export type StreamItem = StreamChunk | null;

/** Where a stage writes: the next toxic's stub, or the link's socket sink. */
export interface ChunkTarget {
  push(item: StreamItem): void;
}

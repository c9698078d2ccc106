import { INTERRUPTED, type ToxicStub } from '../toxic-stub.ts';
import type { Attributes, ToxicKind } from '../toxic-types.ts';

type Slicer = Attributes<'average_size' | 'size_variation' | 'delay'>;

/**
 * Slice boundaries for `length` bytes, the Go toxic's recursive halving: a span within
 * `size_variation` of `average_size` (or smaller) stays whole, otherwise it is cut near
 * its middle (± `size_variation`). Returns the end offset of each slice, ascending.
 * Spans never go below 1 byte, where the Go toxic would recurse forever.
 */
export function sliceEnds(length: number, attrs: Slicer, random: () => number): number[] {
  const ends: number[] = [];
  const cut = (start: number, end: number): void => {
    if (end - start - attrs.average_size <= attrs.size_variation || end - start <= 1) {
      ends.push(end);
      return;
    }
    let mid = start + Math.floor((end - start) / 2);
    if (attrs.size_variation > 0) mid += Math.floor(random() * 2 * attrs.size_variation) - attrs.size_variation;
    mid = Math.min(end - 1, Math.max(start + 1, mid));
    cut(start, mid);
    cut(mid, end);
  };
  if (length > 0) cut(0, length);
  return ends;
}

/**
 * `slicer`: splits every chunk into slices of about `average_size` ± `size_variation`
 * bytes, waiting `delay` µs after each (Node timers round a non-zero wait up to 1 ms).
 */
export const slicerToxic: ToxicKind<'average_size' | 'size_variation' | 'delay'> = {
  type: 'slicer',
  attributes: ['average_size', 'size_variation', 'delay'],
  async pipe(stub: ToxicStub, attrs: () => Slicer): Promise<void> {
    for (;;) {
      const chunk = await stub.read();
      if (chunk === INTERRUPTED) return;
      if (chunk === null) return stub.close();
      let start = 0;
      for (const end of sliceEnds(chunk.data.length, attrs(), stub.random)) {
        stub.write({ data: chunk.data.subarray(start, end), timestamp: chunk.timestamp });
        start = end;
        if (!(await stub.sleep(attrs().delay / 1000))) {
          if (start < chunk.data.length) stub.unread({ data: chunk.data.subarray(start), timestamp: chunk.timestamp });
          return;
        }
      }
    }
  },
};

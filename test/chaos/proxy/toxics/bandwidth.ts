import { INTERRUPTED, type ToxicStub } from '../toxic-stub.ts';
import type { Attributes, ToxicKind } from '../toxic-types.ts';

/** Longest wait the stalled (`rate` ≤ 0) case sleeps at a time before checking again, ms. */
const STALL_MS = 60_000;

/**
 * `bandwidth`: lets `rate` KB/s through (1 KB = 1000 bytes). Same algorithm as the Go
 * toxic: each chunk costs `bytes / rate` ms, a chunk bigger than 100 ms worth is sent in
 * 100 ms slices, and timer overshoot is paid back on the next chunk. `rate` ≤ 0 stalls
 * the stream until the toxic is changed or removed (the Go toxic never sends either).
 */
export const bandwidthToxic: ToxicKind<'rate'> = {
  type: 'bandwidth',
  attributes: ['rate'],
  async pipe(stub: ToxicStub, attrs: () => Attributes<'rate'>): Promise<void> {
    let debtMs = 0;
    for (;;) {
      const item = await stub.read();
      if (item === INTERRUPTED) return;
      if (item === null) return stub.close();
      let chunk = item;
      const rate = attrs().rate;
      if (rate <= 0) {
        while (await stub.sleep(STALL_MS));
        return stub.unread(chunk);
      }
      debtMs += chunk.data.length / rate;
      const slice = rate * 100;
      while (chunk.data.length > slice) {
        if (!(await stub.sleep(100))) return stub.unread(chunk);
        stub.write({ data: chunk.data.subarray(0, slice), timestamp: chunk.timestamp });
        chunk = { data: chunk.data.subarray(slice), timestamp: chunk.timestamp };
        debtMs -= 100;
      }
      const start = stub.clock.now();
      if (!(await stub.sleep(debtMs))) return stub.unread(chunk);
      debtMs -= stub.clock.now() - start;
      stub.write(chunk);
    }
  },
};

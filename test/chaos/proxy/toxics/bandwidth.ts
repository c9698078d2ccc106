import { INTERRUPTED, type ToxicStub } from '../toxic-stub.ts';
import type { Attributes, ToxicKind } from '../toxic-types.ts';

/** Longest wait the stalled (`rate` ≤ 0) case sleeps at a time before checking again, ms. */
const STALL_MS = 60_000;

/**
 * `bandwidth`: lets `rate` KB/s through (1 KB = 1000 bytes). As in the Go toxic, each
 * chunk is held `bytes / rate` ms before it is sent, a chunk bigger than 100 ms worth
 * goes out in 100 ms slices, and idle time earns no credit. Waits run to a due time, so
 * a timer that fires late is paid back on the next wait and the long-run rate holds
 * (the Go toxic pays back only the overshoot of whole-chunk waits).
 * `rate` ≤ 0 stalls the stream until the toxic is changed or removed (the Go toxic
 * never sends either).
 */
export const bandwidthToxic: ToxicKind<'rate'> = {
  type: 'bandwidth',
  attributes: ['rate'],
  async pipe(stub: ToxicStub, attrs: () => Attributes<'rate'>): Promise<void> {
    let due = 0;
    let woke: number | undefined;
    const waitUntil = async (ms: number): Promise<boolean> => {
      const done = await stub.sleep(ms - stub.clock.now());
      woke = stub.clock.now();
      return done;
    };
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
      const now = stub.clock.now();
      due = woke === undefined ? now : due + Math.max(0, now - woke);
      const slice = rate * 100;
      while (chunk.data.length > slice) {
        due += 100;
        if (!(await waitUntil(due))) return stub.unread(chunk);
        stub.write({ data: chunk.data.subarray(0, slice), timestamp: chunk.timestamp });
        chunk = { data: chunk.data.subarray(slice), timestamp: chunk.timestamp };
      }
      due += chunk.data.length / rate;
      if (!(await waitUntil(due))) return stub.unread(chunk);
      stub.write(chunk);
    }
  },
};

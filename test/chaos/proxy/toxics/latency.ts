import { INTERRUPTED, type ToxicStub } from '../toxic-stub.ts';
import type { Attributes, ToxicKind } from '../toxic-types.ts';

type Latency = Attributes<'latency' | 'jitter'>;

/** One draw of `latency ± jitter` in ms: uniform over [latency − jitter, latency + jitter). */
export function latencyDelay(attrs: Latency, random: () => number): number {
  if (attrs.jitter <= 0) return attrs.latency;
  return attrs.latency + Math.floor(random() * 2 * attrs.jitter) - attrs.jitter;
}

/**
 * `latency`: delays every chunk by `latency` ± `jitter` ms, counted from when the chunk
 * was read, so back-to-back chunks are pipelined rather than delayed one after another.
 */
export const latencyToxic: ToxicKind<'latency' | 'jitter'> = {
  type: 'latency',
  attributes: ['latency', 'jitter'],
  async pipe(stub: ToxicStub, attrs: () => Latency): Promise<void> {
    for (;;) {
      const chunk = await stub.read();
      if (chunk === INTERRUPTED) return;
      if (chunk === null) return stub.close();
      const wait = latencyDelay(attrs(), stub.random) - (stub.clock.now() - chunk.timestamp);
      if (!(await stub.sleep(wait))) return stub.unread(chunk);
      chunk.timestamp = Math.max(chunk.timestamp, stub.clock.now());
      stub.write(chunk);
    }
  },
};

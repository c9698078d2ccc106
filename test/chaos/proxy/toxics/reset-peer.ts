import { INTERRUPTED, type ToxicStub } from '../toxic-stub.ts';
import type { Attributes, ToxicKind } from '../toxic-types.ts';

/**
 * `reset_peer`: on the first data (or end of stream) that reaches it, drops it, waits
 * `timeout` ms and tears the connection down with a TCP RST on both sides. As in the Go
 * toxic, the wait cannot be interrupted: removing the toxic mid-wait still resets.
 */
export const resetPeerToxic: ToxicKind<'timeout'> = {
  type: 'reset_peer',
  attributes: ['timeout'],
  async pipe(stub: ToxicStub, attrs: () => Attributes<'timeout'>): Promise<void> {
    const chunk = await stub.read();
    if (chunk === INTERRUPTED) return;
    if (chunk !== null) stub.discard(chunk);
    await stub.sleep(attrs().timeout, { interruptible: false });
    stub.reset();
  },
};

import { INTERRUPTED, type ToxicStub } from '../toxic-stub.ts';
import type { Attributes, ToxicKind } from '../toxic-types.ts';

interface LimitState {
  /** Bytes let through on this link so far; kept across updates of the toxic. */
  transmitted: number;
}

/**
 * `limit_data`: lets exactly `bytes` bytes through, then closes the connection (after
 * the first chunk when `bytes` is 0, like the Go toxic).
 */
export const limitDataToxic: ToxicKind<'bytes'> = {
  type: 'limit_data',
  attributes: ['bytes'],
  newState: (): LimitState => ({ transmitted: 0 }),
  async pipe(stub: ToxicStub, attrs: () => Attributes<'bytes'>): Promise<void> {
    const state = stub.state as LimitState;
    for (;;) {
      const chunk = await stub.read();
      if (chunk === INTERRUPTED) return;
      if (chunk === null) return stub.close();
      const remaining = Math.max(0, attrs().bytes - state.transmitted);
      const pass = chunk.data.subarray(0, remaining);
      if (pass.length < chunk.data.length) stub.discard({ data: chunk.data.subarray(pass.length) });
      if (pass.length > 0) {
        stub.write({ data: pass, timestamp: chunk.timestamp });
        state.transmitted += pass.length;
      }
      if (attrs().bytes - state.transmitted <= 0) return stub.close();
    }
  },
};

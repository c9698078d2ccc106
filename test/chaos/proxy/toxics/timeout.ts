import { INTERRUPTED, TIMED_OUT, type ToxicStub } from '../toxic-stub.ts';
import type { Attributes, ToxicKind } from '../toxic-types.ts';

/**
 * `timeout`: drops all data and closes the connection once `timeout` ms pass with no
 * data (each dropped chunk restarts the wait, as in the Go toxic). `timeout` 0 never
 * closes: data is dropped until the toxic is removed. Removing it closes the
 * connections it held, as the Go server does (their data is gone).
 */
export const timeoutToxic: ToxicKind<'timeout'> = {
  type: 'timeout',
  attributes: ['timeout'],
  async pipe(stub: ToxicStub, attrs: () => Attributes<'timeout'>): Promise<void> {
    for (;;) {
      const timeout = attrs().timeout;
      const chunk = timeout > 0 ? await stub.readWithin(timeout) : await stub.read();
      if (chunk === INTERRUPTED) return;
      if (chunk === null || chunk === TIMED_OUT) return stub.close();
      stub.discard(chunk);
    }
  },
  cleanup(stub: ToxicStub): void {
    stub.close();
  },
};

import { INTERRUPTED, type ToxicStub } from '../toxic-stub.ts';
import type { ToxicKind } from '../toxic-types.ts';

/** Passes everything through untouched; what runs when a toxicity roll says "not this time". */
export const noopToxic: ToxicKind<never> = {
  type: 'noop',
  attributes: [],
  async pipe(stub: ToxicStub): Promise<void> {
    for (;;) {
      const item = await stub.read();
      if (item === INTERRUPTED) return;
      if (item === null) return stub.close();
      stub.write(item);
    }
  },
};

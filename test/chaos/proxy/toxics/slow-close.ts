import { INTERRUPTED, type ToxicStub } from '../toxic-stub.ts';
import type { Attributes, ToxicKind } from '../toxic-types.ts';

/** `slow_close`: data passes; the end of the stream is held back `delay` ms. */
export const slowCloseToxic: ToxicKind<'delay'> = {
  type: 'slow_close',
  attributes: ['delay'],
  async pipe(stub: ToxicStub, attrs: () => Attributes<'delay'>): Promise<void> {
    for (;;) {
      const chunk = await stub.read();
      if (chunk === INTERRUPTED) return;
      if (chunk !== null) {
        stub.write(chunk);
        continue;
      }
      if (!(await stub.sleep(attrs().delay))) return stub.unread(null);
      return stub.close();
    }
  },
};

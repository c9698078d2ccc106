import { describe, expect, it } from 'vitest';
import { createFlapDamping } from './flap-damping.ts';

describe('flap damping', () => {
  it('needs recover_after checks until something flaps', () => {
    const d = createFlapDamping({ recoverAfter: 3 });
    d.steppedDown();
    for (let i = 0; i < 100; i++) d.checked(false);
    expect(d.need).toBe(3);
    expect(d.damped).toBe(false);
  });

  it('doubles on each flap, up to the ceiling (4 × recover_after by default)', () => {
    const d = createFlapDamping({ recoverAfter: 3 });
    d.runBroke();
    expect(d.need).toBe(6);
    d.runBroke();
    d.runBroke();
    d.runBroke();
    expect(d.need).toBe(12);
    expect(d.damped).toBe(true);
  });

  it('a step down within the probation after a step up is a flap; one after it is not', () => {
    const d = createFlapDamping({ recoverAfter: 2, maxRecoverAfter: 8 });
    d.steppedUp();
    d.checked(false);
    d.steppedDown();
    expect(d.need).toBe(4);
    const e = createFlapDamping({ recoverAfter: 2, maxRecoverAfter: 8 });
    e.steppedUp();
    for (let i = 0; i < 8; i++) e.checked(false);
    e.steppedDown();
    expect(e.need).toBe(2);
  });

  it('comes back to recover_after after max_recover_after checks without a flap, not while a recovery is under way', () => {
    const d = createFlapDamping({ recoverAfter: 2, maxRecoverAfter: 8 });
    d.runBroke();
    d.runBroke();
    for (let i = 0; i < 7; i++) d.checked(false);
    expect(d.need).toBe(8);
    d.checked(true);
    expect(d.need).toBe(8);
    d.checked(false);
    expect(d.need).toBe(2);
  });

  it('names both values when the ceiling is under the base', () => {
    expect(() => createFlapDamping({ recoverAfter: 3, maxRecoverAfter: 2 })).toThrow('got recover_after 3, max_recover_after 2');
  });
});

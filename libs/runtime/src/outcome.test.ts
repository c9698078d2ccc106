import { describe, expect, it } from 'vitest';
import { Outcome } from '@ultra/contracts/chat';
import { outcomeFromName, outcomeName } from './outcome.ts';

describe('outcome names', () => {
  it('outcomeFromName reads back every name outcomeName prints', () => {
    const all = Object.values(Outcome).filter((o) => typeof o === 'number');
    expect(all.length).toBeGreaterThan(5);
    for (const o of all) expect(outcomeFromName(outcomeName(o))).toBe(o);
    expect(outcomeFromName('rate_limited')).toBe(Outcome.RATE_LIMITED);
  });

  it('outcomeFromName is undefined for a name no outcome has', () => {
    expect(['RATE_LIMITED', 'nope', '', 'toString'].map(outcomeFromName)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

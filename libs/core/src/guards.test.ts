import { describe, expect, it } from 'vitest';
import { errorCode, errorMessage, isOneOf, isRecord } from './guards.ts';

describe('guards', () => {
  it('isRecord takes objects, not null, arrays or primitives', () => {
    expect(isRecord({ a: 1 })).toBe(true);
    expect([null, [1], 'x', 3, undefined].map(isRecord)).toEqual([false, false, false, false, false]);
  });

  it('isOneOf checks membership', () => {
    const states = ['open', 'closed'] as const;
    expect(isOneOf(states, 'open')).toBe(true);
    expect(isOneOf(states, 'ajar')).toBe(false);
    expect(isOneOf(states, 1)).toBe(false);
  });

  it('errorMessage reads an Error and stringifies anything else', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(undefined)).toBe('undefined');
  });

  it('errorCode reads a string code off an Error only', () => {
    expect(errorCode(Object.assign(new Error('no file'), { code: 'ENOENT' }))).toBe('ENOENT');
    expect(errorCode(Object.assign(new Error('odd'), { code: 7 }))).toBeUndefined();
    expect(errorCode({ code: 'ENOENT' })).toBeUndefined();
    expect(errorCode(new Error('none'))).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { errnoCode, errorMessage, isRecord } from './guards.ts';

describe('guards', () => {
  it('isRecord takes objects, not null, arrays or scalars', () => {
    expect(isRecord({ a: 1 })).toBe(true);
    expect(isRecord(null)).toBe(false);
    expect(isRecord([1])).toBe(false);
    expect(isRecord('x')).toBe(false);
  });
  it('errnoCode reads a system error code, nothing from other values', () => {
    expect(errnoCode(Object.assign(new Error('gone'), { code: 'ENOENT' }))).toBe('ENOENT');
    expect(errnoCode(new Error('plain'))).toBeUndefined();
    expect(errnoCode({ code: 'ENOENT' })).toBeUndefined();
  });
  it('errorMessage gives an Error its message and anything else as text', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('bare')).toBe('bare');
  });
});

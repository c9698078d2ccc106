import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, type Entry } from './entry.ts';

const entry: Entry = { value: new Uint8Array([1, 2, 255]), storedAt: 10, expiresAt: 20, staleUntil: 30, tags: ['model:chat'], id: 'r1.4' };

describe('entry encoding', () => {
  it('decodes what it encodes', () => {
    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
    const { id: _, ...anonymous } = entry;
    expect(decodeEntry(encodeEntry(anonymous))).toEqual(anonymous);
  });

  it('is undefined for a header of another shape', () => {
    const withHead = (head: string) => Buffer.concat([Buffer.from(`${head}\n`), Buffer.from([1])]);
    for (const head of ['[1,2,3]', 'null', '{"s":1,"e":2,"x":3}', '{"s":1,"e":2,"x":3,"t":[1]}', '{"s":"1","e":2,"x":3,"t":[]}', '{not json'])
      expect(decodeEntry(withHead(head)), head).toBeUndefined();
    expect(decodeEntry(Buffer.from('no newline'))).toBeUndefined();
  });
});

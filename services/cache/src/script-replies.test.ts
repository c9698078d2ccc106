import { describe, expect, it } from 'vitest';
import { acquireReply, deleteBatchReply, syncPointReply } from './script-replies.ts';

describe('script replies', () => {
  it('reads each script reply of the expected shape', () => {
    expect(deleteBatchReply([3, 500])).toEqual({ deleted: 3, seen: 500 });
    expect(acquireReply([0, Buffer.from(''), 1200])).toEqual({ status: 0, raw: Buffer.from(''), pttlMs: 1200 });
    expect(syncPointReply(['e1', 7])).toEqual({ epoch: 'e1', gen: 7 });
  });

  it('throws, naming the script and the shape (never the bytes), for a reply of another shape', () => {
    expect(() => deleteBatchReply('OK')).toThrow('the DELETE_BATCH script replied string, expected [number, number]');
    expect(() => acquireReply([1, 'secret entry', 0])).toThrow('the ACQUIRE script replied [number, string, number], expected [number, bytes, number]');
    expect(() => acquireReply(Buffer.from('x'))).toThrow('the ACQUIRE script replied bytes, expected');
    expect(() => syncPointReply([Buffer.from('e1'), 7])).toThrow('the SYNC_POINT script replied [bytes, number], expected [string, number]');
  });
});

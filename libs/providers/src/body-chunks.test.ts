import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bodyChunks } from './body-chunks.ts';

const text = (r: IteratorResult<Uint8Array, undefined>) => (r.done ? 'end' : Buffer.from(r.value).toString());

describe('bodyChunks', () => {
  it('gives the chunks in order, those that came before they were asked for too, then the end', async () => {
    const body = new Readable({ read() {} });
    const chunks = bodyChunks(body);
    body.push('a');
    body.push('b');
    await new Promise((r) => setImmediate(r));
    expect(body.isPaused()).toBe(true);
    const got = [text(await chunks.next()), text(await chunks.next())];
    const later = chunks.next();
    body.push('c');
    body.push(null);
    got.push(text(await later), text(await chunks.next()));
    expect(got).toEqual(['a', 'b', 'c', 'end']);
  });

  it("fails with the body's error, and with ERR_STREAM_PREMATURE_CLOSE when it closes before its end", async () => {
    const failing = new Readable({ read() {} });
    const a = bodyChunks(failing);
    const read = a.next();
    failing.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    await expect(read).rejects.toMatchObject({ code: 'ECONNRESET' });
    const closed = new Readable({ read() {} });
    const b = bodyChunks(closed);
    closed.destroy();
    await expect(b.next()).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it('lets go of the body on stop(): what comes after is not kept, and a later error is no crash', async () => {
    const body = new Readable({ read() {} });
    const chunks = bodyChunks(body);
    chunks.stop();
    body.resume();
    body.push('unread');
    body.destroy(new Error('dropped while draining'));
    await new Promise((r) => setImmediate(r));
    expect(body.destroyed).toBe(true);
  });
});

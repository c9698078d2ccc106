import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createFillGuard } from './fill-guard.ts';
import { messageBody, parseMessage } from './invalidation.ts';
import { createKeySignals } from './key-signals.ts';
import { createSyncTracker } from './sync-tracker.ts';

describe('invalidation messages', () => {
  it('round-trip, keys with "|" and "/" included', () => {
    const body = messageBody('r1', 'prefix', 'acme', 'chat:a|b/c');
    expect(parseMessage(`ep|7|${body}`)).toEqual({ epoch: 'ep', gen: 7, origin: 'r1', kind: 'prefix', namespace: 'acme', value: 'chat:a|b/c' });
    expect(parseMessage(`ep|8|${messageBody('r1', 'key', '_', 'k', 'r1.5')}`)).toMatchObject({ kind: 'key', writeId: 'r1.5', value: 'k' });
    expect(parseMessage('garbage')).toBeUndefined();
    expect(parseMessage('ep|x|r1|k|_/k')).toBeUndefined();
  });
});

describe('the sync tracker', () => {
  it('sees a skipped generation, a new epoch, and a resync that finds Redis elsewhere', () => {
    const t = createSyncTracker();
    expect(t.resync('e1', 4)).toBe('ok'); // first contact
    expect(t.heard('e1', 5)).toBe('ok');
    expect(t.heard('e1', 5)).toBe('ok'); // a repeat is harmless
    expect(t.heard('e1', 7)).toBe('gap');
    expect(t.resync('e1', 7)).toBe('ok');
    expect(t.resync('e1', 9)).toBe('gap');
    expect(t.heard('e2', 1)).toBe('gap'); // Redis lost its data
    expect(t.resync('e2', 1)).toBe('ok');
    expect(t.resync('e3', 0)).toBe('gap');
  });
});

describe('the fill guard', () => {
  const entry = (id?: string) => ({ value: new Uint8Array(), storedAt: 0, expiresAt: 1, staleUntil: 1, tags: [], ...(id ? { id } : {}) });
  it('keeps a read unless the key was dropped or written by another write meanwhile', () => {
    const g = createFillGuard();
    expect(g.settle(g.begin('k'), entry('w1'))).toBe(true);
    const m1 = g.begin('k');
    g.written('k', 'w2');
    expect(g.settle(m1, entry('w2'))).toBe(true); // the read saw the very write announced
    const m2 = g.begin('k');
    g.written('k', 'w3');
    expect(g.settle(m2, entry('w2'))).toBe(false); // older than the announced one
    const m3 = g.begin('k');
    g.dropped('k');
    expect(g.settle(m3, entry('w3'))).toBe(false);
    const m4 = g.begin('other');
    g.droppedAll();
    expect(g.settle(m4, entry())).toBe(false);
  });
});

describe('key signals', () => {
  it('miss no change between a check and the wait, and time out on the clock', async () => {
    const clock = new ManualClock(0);
    const s = createKeySignals(clock);
    const w = s.watch('k');
    s.notify('k'); // lands before the wait begins
    await w.wait(undefined, new AbortController().signal); // returns at once
    let done = false;
    const p = w.wait(100, new AbortController().signal).then(() => (done = true));
    s.notify('other');
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(100);
    await p;
    expect(done).toBe(true);
    w.close();
    expect(s.watched).toBe(0);
  });
});

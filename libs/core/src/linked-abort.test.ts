import { describe, expect, it } from 'vitest';
import { linkedAbort } from './linked-abort.ts';

describe('linkedAbort', () => {
  it("follows the parent's abort with its reason until unlinked", () => {
    const parent = new AbortController();
    const link = linkedAbort(parent.signal);
    const reason = new Error('caller went away');
    parent.abort(reason);
    expect(link.signal.aborted).toBe(true);
    expect(link.signal.reason).toBe(reason);
  });

  it('starts aborted under an aborted parent', () => {
    const link = linkedAbort(AbortSignal.abort('gone'));
    expect(link.signal.reason).toBe('gone');
  });

  it('aborts on its own without touching the parent', () => {
    const parent = new AbortController();
    const link = linkedAbort(parent.signal);
    link.abort('timer');
    expect(link.signal.reason).toBe('timer');
    expect(parent.signal.aborted).toBe(false);
  });

  it('no longer follows the parent once unlinked (no listener is left on it)', () => {
    const parent = new AbortController();
    const link = linkedAbort(parent.signal);
    link.unlink();
    parent.abort();
    expect(link.signal.aborted).toBe(false);
  });

  it('works without a parent', () => {
    const link = linkedAbort(undefined);
    link.unlink();
    link.abort('own');
    expect(link.signal.reason).toBe('own');
  });
});

import { describe, expect, it } from 'vitest';
import { createNotifier } from './notifier.ts';

describe('notifier', () => {
  it('does not miss a change made before the wait', async () => {
    const n = createNotifier();
    const seen = n.version;
    n.notify();
    await n.wait(seen); // would hang if the change were lost
    expect(n.version).toBe(seen + 1);
  });

  it('wakes a waiter on notify and on abort', async () => {
    const n = createNotifier();
    const woken = n.wait(n.version);
    n.notify();
    await woken;
    const ac = new AbortController();
    const aborted = n.wait(n.version, ac.signal);
    ac.abort();
    await aborted;
  });
});

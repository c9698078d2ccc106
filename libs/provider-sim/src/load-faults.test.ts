import { ManualClock } from '@ultra/core';
import { describe, expect, it, vi } from 'vitest';
import { createSimulator } from './simulator.ts';

const chat = (url: string, extra: Record<string, unknown> = {}) =>
  fetch(`${url}/p/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-x', messages: [{ role: 'user', content: 'hello there' }], ...extra }),
  });

describe('load faults: a concurrency limit and realistic timing', () => {
  it('answers 429 with Retry-After at once to a request beyond maxConcurrent in flight', async () => {
    const clock = new ManualClock();
    const sim = createSimulator({ clock, faults: { p: { latencyMs: 1_000, maxConcurrent: 2 } } });
    const { url } = await sim.listen();
    try {
      const first = [chat(url), chat(url)];
      await vi.waitFor(() => expect(clock.pending).toBe(2));
      const third = await chat(url);
      expect(await (await fetch(`${url}/_sim/concurrency`)).json()).toEqual({ providers: { p: { inFlight: 2, peak: 3 } } });
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('1');
      clock.advance(1_000);
      expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200]);
      await Promise.all((await Promise.all(first)).map((r) => r.text()));
      // the two have left: a new request is served again
      const fourth = chat(url);
      await vi.waitFor(() => expect(clock.pending).toBe(1));
      clock.advance(1_000);
      expect((await fourth).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('waits the drawn first-token time, then the decode time, on the injected clock', async () => {
    const clock = new ManualClock();
    const realistic = { ttftMs: { dist: 'fixed', value: 800 }, tokensPerSecond: { dist: 'fixed', value: 50 }, outputTokens: { dist: 'fixed', value: 100 } } as const;
    const sim = createSimulator({ clock, faults: { p: { realistic } } });
    const { url } = await sim.listen();
    try {
      let done = false;
      const pending = chat(url).then((r) => ((done = true), r.status));
      await vi.waitFor(() => expect(clock.pending).toBe(1));
      clock.advance(800); // first token
      await vi.waitFor(() => expect(clock.pending).toBe(1));
      clock.advance(1_999); // 100 tokens at 50/s
      expect(done).toBe(false);
      clock.advance(1);
      expect(await pending).toBe(200);
    } finally {
      await sim.close();
    }
  });
});

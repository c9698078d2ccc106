import { Outcome } from '@ultra/contracts/chat';
import { ManualClock } from '@ultra/core';
import { createSimulator, type Simulator } from '@ultra/provider-sim';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isProviderError } from './provider-error.ts';
import { createAdapter } from './registry.ts';
import { chat, ENDPOINT_TYPES, simEndpoint, simText } from './testing/support.ts';
import type { StreamEvent } from './types.ts';

/**
 * Streaming on a simulator whose slow tokens run on a ManualClock: no chunk is produced
 * until the test moves time, so "the first delta reached the caller before the last
 * chunk was produced" is checked by counting, not by timing.
 */
describe.each(ENDPOINT_TYPES)('%s streams as the chunks arrive', (type) => {
  const clock = new ManualClock(1_700_000_000_000);
  const name = `slow-${type}`;
  const delay = 1000;
  let sim: Simulator;
  let root: string;

  beforeAll(async () => {
    sim = createSimulator({ clock });
    root = (await sim.listen()).url;
  });
  afterAll(() => sim.close());

  /** Moves the clock once the simulator waits for the next chunk, and reads the next event. */
  const nextAfterTick = async (iter: AsyncIterator<StreamEvent>) => {
    const next = iter.next();
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    clock.advance(delay);
    return next;
  };
  const written = () => sim.stats().providers[name]?.chunksWritten ?? 0;

  it('passes the first delta on before the simulator has written the last chunk', async () => {
    sim.setFaults(name, { chunkDelayMs: delay, chunks: 4 });
    const iter = createAdapter(simEndpoint(root, name, type)).stream('m', chat('go slowly'), { signal: AbortSignal.timeout(10_000) })[Symbol.asyncIterator]();
    const first = await nextAfterTick(iter);
    expect(first.value).toEqual({ type: 'delta', text: 'Simulated answer ' });
    expect(written()).toBe(1);
    const rest: StreamEvent[] = [];
    while (written() < 4) rest.push((await nextAfterTick(iter)).value as StreamEvent);
    for (let r = await iter.next(); !r.done; r = await iter.next()) rest.push(r.value);
    expect(rest.filter((e) => e.type === 'delta')).toHaveLength(3);
    expect(rest.at(-1)).toMatchObject({ type: 'done', completion: { text: simText(name, 'm', 'go slowly') } });
  });

  it.each([
    ['TIMEOUT', new DOMException('deadline', 'TimeoutError'), Outcome.TIMEOUT],
    ['CANCELLED', new DOMException('gone', 'AbortError'), Outcome.CANCELLED],
  ] as const)('keeps the partial text when the caller aborts mid-stream (%s)', async (_label, reason, outcome) => {
    sim.reset();
    sim.setFaults(name, { chunkDelayMs: delay, chunks: 4 });
    const controller = new AbortController();
    const iter = createAdapter(simEndpoint(root, name, type)).stream('m', chat('abort me'), { signal: controller.signal })[Symbol.asyncIterator]();
    expect((await nextAfterTick(iter)).value).toEqual({ type: 'delta', text: 'Simulated answer ' });
    controller.abort(reason);
    const e: unknown = await iter.next().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isProviderError(e) && e.outcome).toBe(outcome);
    expect(isProviderError(e) && e.partialText).toBe('Simulated answer ');
    await vi.waitFor(() => expect(clock.pending).toBe(0));
  });
});

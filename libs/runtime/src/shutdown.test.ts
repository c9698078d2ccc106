import { ManualClock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { closeReserveMs, createShutdown, type DrainTime } from './shutdown.ts';

function setup(drain: (time: DrainTime) => Promise<void>, graceMs = 10_000) {
  const clock = new ManualClock();
  const lines: string[] = [];
  const exits: number[] = [];
  const log = { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (_f: object, m: string) => lines.push(`error ${m}`) };
  const shutdown = createShutdown({ name: 'cache', graceMs, clock, log, drain, exit: (code) => exits.push(code) });
  return { clock, lines, exits, shutdown };
}

const never = () => new Promise<void>(() => undefined);
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createShutdown', () => {
  it('exits 0 once the drain is done, within the grace', async () => {
    const s = setup(async () => undefined);
    s.shutdown.request('SIGTERM');
    await settle();
    expect(s.exits).toEqual([0]);
    expect(s.lines).toContain('info cache stopped');
    s.clock.advance(20_000);
    expect(s.exits).toEqual([0]);
  });

  it('exits 1 at the deadline when the drain hangs, naming the step under way', async () => {
    const s = setup(async (time) => {
      time.step('closing clients');
      return never();
    });
    s.shutdown.request('SIGTERM');
    await settle();
    s.clock.advance(9_999);
    expect(s.exits).toEqual([]);
    s.clock.advance(1);
    expect(s.exits).toEqual([1]);
    expect(s.lines).toContain('warn cache not stopped within shutdown.grace (10000 ms), still closing clients: exiting');
  });

  it('exits at once on a second signal; the parent going away during a drain changes nothing', () => {
    const s = setup(never);
    s.shutdown.request('SIGTERM');
    s.shutdown.request('parent gone', 'parent');
    expect(s.exits).toEqual([]);
    s.shutdown.request('SIGINT');
    expect(s.exits).toEqual([1]);
    expect(s.lines).toContain('warn SIGINT again: exiting now');
    s.clock.advance(10_000);
    expect(s.exits).toEqual([1]);
  });

  it('gives requests the time left less a reserve for closing clients, counted from the first request', () => {
    const seen: number[] = [];
    const s = setup(async (time) => {
      seen.push(time.requestsMs(), time.remainingMs());
      s.clock.advance(4_000);
      seen.push(time.requestsMs(), time.remainingMs());
      s.clock.advance(6_000);
      seen.push(time.requestsMs(), time.remainingMs());
      return never();
    });
    s.shutdown.request('SIGTERM');
    expect(seen).toEqual([9_000, 10_000, 5_000, 6_000, 0, 0]);
    expect(closeReserveMs(1_000)).toBe(500);
  });

  it('exits 1 and says so when the drain fails', async () => {
    const s = setup(async (time) => {
      time.step('finishing requests');
      throw new Error('listener gone');
    });
    s.shutdown.request('SIGTERM');
    await settle();
    expect(s.exits).toEqual([1]);
    expect(s.lines).toContain('error cache failed to stop while finishing requests');
  });
});

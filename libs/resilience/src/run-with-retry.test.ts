import { Outcome } from '@ultra/contracts/chat';
import { ManualClock, createSeededRandom, type Clock } from '@ultra/core';
import { describe, expect, it } from 'vitest';
import { createRetryBudget } from './retry-budget.ts';
import { runWithRetry, type AttemptResult } from './run-with-retry.ts';

/** Simulated time that jumps forward whenever something sleeps; records each sleep. */
function jumpingClock(start = 1_000_000): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    setTimeout(fn, ms) {
      sleeps.push(ms);
      now += ms;
      queueMicrotask(fn);
      return sleeps.length;
    },
    clearTimeout() {},
  };
}

const failing = (outcome: Outcome, extra: Partial<Extract<AttemptResult<string>, { ok: false }>> = {}) =>
  async (): Promise<AttemptResult<string>> => ({ ok: false, outcome, ...extra });

describe('runWithRetry', () => {
  it('sleeps the seeded full-jitter delays between attempts and returns the success', async () => {
    const clock = jumpingClock();
    let calls = 0;
    const result = await runWithRetry(
      async () => (++calls < 3 ? { ok: false, outcome: Outcome.OVERLOADED } : { ok: true, value: 'answer' }),
      { clock, random: createSeededRandom(42), policy: { baseMs: 200, capMs: 5_000, jitter: 'full' } },
    );
    // mulberry32(42): 0.6011…·200 → 120, 0.4482…·400 → 179
    expect(clock.sleeps).toEqual([120, 179]);
    expect(result).toMatchObject({ ok: true, value: 'answer' });
    expect(result.attempts.map((a) => [a.attempt, a.outcome, a.delayMs])).toEqual([
      [1, Outcome.OVERLOADED, 0],
      [2, Outcome.OVERLOADED, 120],
      [3, Outcome.OK, 179],
    ]);
  });

  it('records each attempt with its latency on the clock', async () => {
    const clock = new ManualClock(5_000);
    const result = await runWithRetry(
      async () => {
        clock.advance(250);
        return { ok: false, outcome: Outcome.BAD_REQUEST };
      },
      { clock, random: () => 0 },
    );
    expect(result).toMatchObject({ ok: false, reason: 'not-retryable', outcome: Outcome.BAD_REQUEST });
    expect(result.attempts).toEqual([{ attempt: 1, outcome: Outcome.BAD_REQUEST, startedAt: 5_000, latencyMs: 250, delayMs: 0 }]);
  });

  it('makes maxAttempts attempts at most and reports the last failure', async () => {
    const result = await runWithRetry(failing(Outcome.SERVER_ERROR), { clock: jumpingClock(), random: () => 0.5 });
    expect(result).toMatchObject({ ok: false, reason: 'max-attempts', outcome: Outcome.SERVER_ERROR });
    expect(result.attempts).toHaveLength(3);
  });

  it('does not retry after the stream started', async () => {
    const result = await runWithRetry(failing(Outcome.STREAM_BROKEN, { streamStarted: true }), { clock: jumpingClock(), random: () => 0.5, policy: { retryableOutcomes: [Outcome.STREAM_BROKEN] } });
    expect(result).toMatchObject({ ok: false, reason: 'stream-started' });
    expect(result.attempts).toHaveLength(1);
  });

  it('honours Retry-After and never sleeps past the deadline', async () => {
    const clock = jumpingClock(0);
    const result = await runWithRetry(failing(Outcome.RATE_LIMITED, { retryAfterMs: 3_000 }), {
      clock,
      random: () => 0.5,
      deadlineAt: 5_000,
      policy: { maxAttempts: 5 },
    });
    expect(clock.sleeps).toEqual([3_000]);
    expect(result).toMatchObject({ ok: false, reason: 'deadline', retryAfterMs: 3_000 });
    expect(clock.now()).toBeLessThan(5_000);
  });

  it('stops retrying when the budget is below half, and drains it on the way', async () => {
    const budget = createRetryBudget({ maxTokens: 4, tokenRatio: 0.1 });
    const clock = jumpingClock();
    const first = await runWithRetry(failing(Outcome.TIMEOUT), { clock, random: () => 0.5, budget, policy: { maxAttempts: 10 } });
    // 4 → 3 → 2 tokens: at 2 (= half) no more retries
    expect(first).toMatchObject({ ok: false, reason: 'budget' });
    expect(first.attempts).toHaveLength(2);
    const second = await runWithRetry(failing(Outcome.TIMEOUT), { clock, random: () => 0.5, budget, policy: { maxAttempts: 10 } });
    expect(second.attempts).toHaveLength(1);
  });

  it('stops at once when aborted while sleeping, and clears its timer', async () => {
    const clock = new ManualClock(0);
    const controller = new AbortController();
    let calls = 0;
    const running = runWithRetry(async () => (calls++, { ok: false, outcome: Outcome.CONNECTION }), {
      clock,
      random: () => 0.5,
      signal: controller.signal,
    });
    while (clock.pending === 0) await new Promise((r) => setImmediate(r));
    controller.abort();
    const result = await running;
    expect(result).toMatchObject({ ok: false, reason: 'aborted', outcome: Outcome.CANCELLED });
    expect(calls).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('reports a function that throws instead of rejecting', async () => {
    const boom = new Error('adapter bug');
    const result = await runWithRetry(async () => Promise.reject(boom), { clock: jumpingClock(), random: () => 0 });
    expect(result).toMatchObject({ ok: false, reason: 'threw', error: boom });
  });
});

import { startStack, type Stack, byStatus, closedLoop } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue #22's first bound, with the defaults: a provider that takes seconds an answer and
 * many callers. Ultra must pass through what the provider would answer directly, and
 * refuse none. Speed-independent form: every call is answered, and the provider sees all
 * the callers at once (so Ultra never capped the throughput the provider gives directly);
 * the figures (answers a second) go to the log and to `npm run bench`.
 */
let stack: Stack;
let router: string;

beforeAll(async () => {
  stack = await startStack({ providers: 'primary: [openai]', healthCheck: '{ interval: 30s, timeout: 10s, threshold: 3 }' });
  router = `http://127.0.0.1:${stack.ports.routerHttp}`;
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

const setLatency = (latencyMs: number) =>
  fetch(`${stack.simUrl}/_sim/providers/openai/faults`, { method: 'PUT', body: JSON.stringify({ latencyMs }) });
const peak = async () => {
  const c = (await (await fetch(`${stack.simUrl}/_sim/concurrency`)).json()) as { providers: Record<string, { peak: number }> };
  await fetch(`${stack.simUrl}/_sim/concurrency`, { method: 'DELETE' });
  return c.providers['openai']?.peak ?? 0;
};

describe('a slow provider and many callers, defaults', () => {
  it.each([
    // The 128 callers at 2 s run 3 rounds (6 s) instead of 12 s; 512 at 5 s run 2 rounds (10 s).
    { latencyMs: 2_000, callers: 128, rounds: 3 },
    { latencyMs: 5_000, callers: 512, rounds: 2 },
  ])('$callers callers at $latencyMs ms an answer: every call answered, none refused, all of them at the provider at once', async ({ latencyMs, callers, rounds }) => {
    await setLatency(latencyMs);
    await peak();
    const started = Date.now();
    const results = await closedLoop({ url: router, callers, rounds, label: `slow ${latencyMs}` });
    const seconds = (Date.now() - started) / 1000;
    const ok = results.filter((r) => r.status === 200).length;
    const direct = callers * rounds; // what the provider answers directly in those rounds
    console.info(`${callers} callers, ${latencyMs} ms: ${ok} answers in ${seconds.toFixed(1)} s (${(ok / seconds).toFixed(1)}/s; directly ${(callers / (latencyMs / 1000)).toFixed(1)}/s), ${JSON.stringify(byStatus(results))}`);
    const failures = [...new Set(results.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.detail}`))].slice(0, 5);
    expect(byStatus(results), failures.join('\n')).toEqual({ '200': direct });
    // The provider had (nearly) every caller in flight at once: Ultra queued nobody behind a cap.
    expect(await peak()).toBeGreaterThanOrEqual(Math.floor(0.95 * callers));
  }, 60_000);
});

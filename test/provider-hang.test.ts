import { quantile, startStack, type Stack } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue #17's bounds, on the defaults: the action plan's tiers, its own `health_check`
 * (30 s / 5 s / 3) and `failover` blocks unchanged, no caller deadline, the agent's own
 * attempt timeout. A primary starts to accept requests and never answer.
 */
const ACTION_PLAN = {
  healthCheck: '{ interval: 30s, timeout: 5s, threshold: 3 }',
  failover: '{ strategy: round-robin, sticky_sessions: true, cooldown: 300s }',
};
const CALLERS = 8;
let stack: Stack;
let url: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function chatCalls(provider: string): Promise<number> {
  const stats = (await (await fetch(`${stack.simUrl}/_sim/stats`)).json()) as { providers: Record<string, { requests: number; probes: number }> };
  const s = stats.providers[provider];
  return s ? s.requests - s.probes : 0;
}

interface Result {
  status: number;
  sentAt: number;
  at: number;
  ms: number;
  attempts: string;
  detail: string;
}

let seq = 0;
/** One whole-answer call with no deadline of its own, as a stock SDK sends it. */
async function call(): Promise<Result> {
  const sentAt = Date.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ultra-cache': 'no-store' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: `hang ${++seq}` }] }),
  });
  const text = await res.text();
  const at = Date.now();
  return { status: res.status, sentAt, at, ms: at - sentAt, attempts: res.headers.get('x-ultra-attempts') ?? '', detail: res.status === 200 ? '' : text };
}

const faults = (provider: string, body: unknown) => fetch(`${stack.simUrl}/_sim/providers/${provider}/faults`, { method: 'PUT', body: JSON.stringify(body) });

beforeAll(async () => {
  stack = await startStack(ACTION_PLAN);
  url = `http://127.0.0.1:${stack.ports.routerHttp}`;
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

describe('a provider that hangs, on the defaults', () => {
  it('costs a caller seconds: no request waits > 8 s; 10–20 s after the hang p99 < 2 s, ≥ 100 answers, 0 errors, ≤ 10 calls reach it', async () => {
    const results: Result[] = [];
    let stop = false;
    const caller = async () => {
      while (!stop) {
        results.push(await call());
      }
    };
    const load = Promise.all(Array.from({ length: CALLERS }, caller));
    // A hang after a spell of healthy traffic: the agent knows each provider's first-token times.
    while (results.filter((r) => r.status === 200).length < 200) await sleep(100);
    await faults('openai', { hang: true });
    const hangAt = Date.now();
    await sleep(10_000);
    const callsAt10 = await chatCalls('openai');
    await sleep(10_000);
    const callsAt20 = await chatCalls('openai');
    stop = true;
    await load;
    await faults('openai', {});

    const longest = Math.max(...results.map((r) => r.ms));
    const errors = results.filter((r) => r.status !== 200);
    const window = results.filter((r) => r.sentAt >= hangAt + 10_000 && r.at <= hangAt + 20_000);
    const p99 = quantile(window.map((r) => r.ms), 0.99);
    const before = results.filter((r) => r.at < hangAt);
    console.log(
      `hang: ${results.length} calls (${before.length} before the hang), longest ${longest} ms, errors ${errors.length}; ` +
        `10–20 s: ${window.length} answers, p50 ${quantile(window.map((r) => r.ms), 0.5)} ms, p99 ${p99} ms, ${callsAt20 - callsAt10} calls reached openai`,
    );
    const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 3);
    console.log(`slowest: ${slowest.map((r) => `${r.ms} ms at +${r.sentAt - hangAt} ms [${r.attempts}]`).join('; ')}`);
    expect(errors.map((r) => `${r.status} ${r.detail}`)).toEqual([]);
    expect(longest).toBeLessThanOrEqual(8_000);
    expect(window.length).toBeGreaterThanOrEqual(100);
    expect(p99).toBeLessThan(2_000);
    expect(callsAt20 - callsAt10).toBeLessThanOrEqual(10);
  }, 60_000);

  it('a stream that sends one chunk and then nothing ends with an honest error within idle_timeout (30 s), never as if complete', async () => {
    // openai's breaker is open after the hang above, so the primary tier's streams go to anthropic.
    await faults('anthropic', { stallStreamAfterChunks: 1 });
    const started = Date.now();
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ultra-cache': 'no-store' },
      body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'stall after one chunk' }] }),
    });
    const body = await res.text();
    const tookMs = Date.now() - started;
    await faults('anthropic', {});
    const events = body.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
    console.log(`stall: ${tookMs} ms, ${events.length} events, provider ${res.headers.get('x-ultra-provider')}, last ${events.at(-1)}`);
    expect(res.status).toBe(200);
    expect(events.length).toBeGreaterThanOrEqual(2); // the chunk that came, then the error
    expect(events).not.toContain('[DONE]');
    expect(JSON.parse(events.at(-1)!)).toMatchObject({ error: { type: 'stream_error', message: expect.stringMatching(/broke after \d+ characters/) } });
    expect(tookMs).toBeLessThanOrEqual(32_000);
  }, 60_000);
});

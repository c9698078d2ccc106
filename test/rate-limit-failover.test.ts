import { startStack, type Stack } from '@ultra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A provider answering 429 with a Retry-After of seconds, while other providers are
 * well: the router fails over at once rather than let the agent wait the seconds out
 * (`failover.max_retry_wait`), and keeps the rate-limited provider out until it frees up.
 */
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ failover: '{ strategy: round-robin, sticky_sessions: false, cooldown: 300s, max_attempts: 3 }' });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

const ask = async (text: string) => {
  const res = await fetch(`http://127.0.0.1:${stack.ports.routerHttp}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ultra-cache': 'no-store' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: text }] }),
  });
  await res.text();
  return { status: res.status, provider: res.headers.get('x-ultra-provider') ?? '', attempts: res.headers.get('x-ultra-attempts') ?? '' };
};

const requestsTo = async (provider: string): Promise<number> => {
  const stats = (await (await fetch(`${stack.simUrl}/_sim/stats`)).json()) as { providers: Record<string, { requests: number; probes: number }> };
  const s = stats.providers[provider]; // listed once it has been called
  return s ? s.requests - s.probes : 0;
};

describe('a rate-limited provider with others left', () => {
  it('gets one call, not a retry after its Retry-After: the request fails over at once and is answered', async () => {
    await fetch(`${stack.simUrl}/_sim/providers/openai/faults`, { method: 'PUT', body: JSON.stringify({ errorRate: 1, errorStatus: 429, retryAfterMs: 3_000 }) });
    const before = await requestsTo('openai');
    // Round-robin over the primaries: among four requests, at least one starts at openai.
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await ask(`rate limited ${i}`));
    expect(answers.every((a) => a.status === 200 && a.provider !== 'openai')).toBe(true);
    const tried = answers.filter((a) => a.attempts.includes('openai:'));
    expect(tried.length).toBeGreaterThan(0);
    for (const a of tried) {
      // one attempt at openai (rate limited), then the answer from the next provider
      expect(a.attempts.match(/openai:/g)).toHaveLength(1);
      expect(a.attempts).toMatch(/^openai:rate_limited:\d+ms,\w+:ok:\d+ms$/);
    }
    // openai saw exactly the calls those attempts name: the agent made no retry behind them
    expect((await requestsTo('openai')) - before).toBe(tried.length);
  });
});

import { describe, expect, it } from 'vitest';
import { parseResetDuration, retryAfterFromHeaders } from './retry-after.ts';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const wait = (headers: Record<string, string>) => retryAfterFromHeaders(new Headers(headers), NOW);

describe('retryAfterFromHeaders', () => {
  it('prefers retry-after-ms, then retry-after in seconds or as an HTTP date', () => {
    expect(wait({ 'retry-after-ms': '1500', 'retry-after': '9' })).toBe(1500);
    expect(wait({ 'retry-after': '2' })).toBe(2000);
    expect(wait({ 'retry-after': '0.5' })).toBe(500);
    expect(wait({ 'retry-after': new Date(NOW + 30_000).toUTCString() })).toBe(30_000);
    expect(wait({ 'retry-after': new Date(NOW - 30_000).toUTCString() })).toBe(0);
  });

  it('falls back to OpenAI x-ratelimit-reset-*: the exhausted limit’s reset', () => {
    expect(wait({ 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '6m0s' })).toBe(1000);
    expect(
      wait({ 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '6m0s', 'x-ratelimit-remaining-tokens': '0' }),
    ).toBe(360_000);
  });

  it('falls back to Anthropic anthropic-ratelimit-*-reset timestamps', () => {
    expect(
      wait({
        'anthropic-ratelimit-requests-reset': new Date(NOW + 4000).toISOString(),
        'anthropic-ratelimit-tokens-reset': new Date(NOW + 9000).toISOString(),
        'anthropic-ratelimit-tokens-remaining': '0',
      }),
    ).toBe(9000);
  });

  it('ignores what it cannot read', () => {
    expect(wait({})).toBeUndefined();
    expect(wait({ 'retry-after': 'soon', 'retry-after-ms': '' })).toBeUndefined();
    expect(wait({ 'x-ratelimit-reset-requests': 'later' })).toBeUndefined();
  });
});

describe('parseResetDuration', () => {
  it.each([
    ['20ms', 20],
    ['1s', 1000],
    ['6m0s', 360_000],
    ['1h2m3.5s', 3_723_500],
    ['17.5', 17_500],
  ] as const)('%s is %i ms', (text, ms) => {
    expect(parseResetDuration(text)).toBe(ms);
  });
});

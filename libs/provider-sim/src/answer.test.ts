import { describe, expect, it } from 'vitest';
import { buildAnswer, splitIntoChunks } from './answer.ts';

describe('buildAnswer', () => {
  const request = { model: 'm', messages: [{ role: 'system', content: 'be nice' }, { role: 'user', content: 'first' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'second one' }], stream: false };

  it('quotes the last user message, counts words as tokens, splits into chunks', () => {
    const a = buildAnswer('p', request, 3, 'id-1', 90_500);
    expect(a).toMatchObject({ text: 'Simulated answer from p (m) to: second one', promptTokens: 6, completionTokens: 8, truncated: false, created: 90 });
    expect(a.pieces).toHaveLength(3);
    expect(a.pieces.join('')).toBe(a.text);
  });

  it('cuts to maxTokens words', () => {
    expect(buildAnswer('p', { ...request, maxTokens: 2 }, 4, 'id', 0)).toMatchObject({ text: 'Simulated answer', truncated: true, completionTokens: 2 });
  });
});

describe('splitIntoChunks', () => {
  it('never makes more pieces than words, and never empty ones', () => {
    expect(splitIntoChunks(['a', 'b'], 5)).toEqual(['a ', 'b']);
    expect(splitIntoChunks(['a', 'b', 'c', 'd', 'e'], 2)).toEqual(['a b c ', 'd e']);
  });
});

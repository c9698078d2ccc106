import { describe, expect, it } from 'vitest';
import { chat, fullRequest } from '../testing/support.ts';
import { toOpenAIRequest } from './request.ts';

describe('toOpenAIRequest', () => {
  it('keeps roles and names, maps every sampling field, max_tokens for compatibility', () => {
    expect(toOpenAIRequest('gpt-4o-mini', fullRequest(), false)).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'system', content: 'Answer in English.' },
        { role: 'user', content: 'Hi', name: 'ann' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'Tell me a joke.' },
      ],
      temperature: 0.5,
      top_p: 0.9,
      max_tokens: 100,
      stop: ['END'],
      seed: 42,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
    });
  });

  it('asks for usage in streams and leaves unset fields out of the JSON', () => {
    const body = toOpenAIRequest('m', chat('hi'), true);
    expect(JSON.parse(JSON.stringify(body))).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
  });
});

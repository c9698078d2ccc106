import { describe, expect, it } from 'vitest';
import { chat, fullRequest } from '../testing/support.ts';
import { toCohereRequest } from './request.ts';

describe('toCohereRequest', () => {
  it('keeps system messages in `messages`, maps top-p to `p` and stop to `stop_sequences`', () => {
    expect(JSON.parse(JSON.stringify(toCohereRequest('command-r', fullRequest(), true)))).toEqual({
      model: 'command-r',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'system', content: 'Answer in English.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'Tell me a joke.' },
      ],
      temperature: 0.5,
      p: 0.9,
      max_tokens: 100,
      stop_sequences: ['END'],
      seed: 42,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      stream: true,
    });
  });

  it('sends only model and messages for a bare request', () => {
    expect(JSON.parse(JSON.stringify(toCohereRequest('m', chat('hi'), false)))).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  });
});

import { describe, expect, it } from 'vitest';
import { chat, fullRequest } from '../testing/support.ts';
import { ANTHROPIC_DEFAULT_MAX_TOKENS, toAnthropicRequest } from './request.ts';

describe('toAnthropicRequest', () => {
  it('joins system messages into `system`, keeps user/assistant turns, maps what the API has', () => {
    expect(JSON.parse(JSON.stringify(toAnthropicRequest('claude-3-5-haiku-latest', fullRequest(), true)))).toEqual({
      model: 'claude-3-5-haiku-latest',
      max_tokens: 100,
      system: 'You are terse.\n\nAnswer in English.',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'Tell me a joke.' },
      ],
      temperature: 0.5,
      top_p: 0.9,
      stop_sequences: ['END'],
      stream: true,
    });
  });

  it('sends the default max_tokens when the request has none, and no system when there is none', () => {
    expect(JSON.parse(JSON.stringify(toAnthropicRequest('m', chat('hi'), false)))).toEqual({
      model: 'm',
      max_tokens: ANTHROPIC_DEFAULT_MAX_TOKENS,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(ANTHROPIC_DEFAULT_MAX_TOKENS).toBe(1024);
  });
});

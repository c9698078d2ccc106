import { describe, expect, it } from 'vitest';
import { chat, fullRequest } from '../testing/support.ts';
import { geminiModelPath, toGeminiRequest } from './request.ts';

describe('toGeminiRequest', () => {
  it('puts system messages in systemInstruction, assistant turns as role model, sampling in generationConfig', () => {
    expect(JSON.parse(JSON.stringify(toGeminiRequest(fullRequest())))).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'Hi' }] },
        { role: 'model', parts: [{ text: 'Hello.' }] },
        { role: 'user', parts: [{ text: 'Tell me a joke.' }] },
      ],
      systemInstruction: { parts: [{ text: 'You are terse.\n\nAnswer in English.' }] },
      generationConfig: {
        temperature: 0.5,
        topP: 0.9,
        maxOutputTokens: 100,
        stopSequences: ['END'],
        seed: 42,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
      },
    });
  });

  it('leaves out an empty generationConfig and systemInstruction', () => {
    expect(JSON.parse(JSON.stringify(toGeminiRequest(chat('hi'))))).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
  });

  it('accepts model names with or without `models/`, escaped for the path', () => {
    expect(geminiModelPath('gemini-2.0-flash')).toBe('/v1beta/models/gemini-2.0-flash');
    expect(geminiModelPath('models/gemini-2.0-flash')).toBe('/v1beta/models/gemini-2.0-flash');
    expect(geminiModelPath('a/b?c')).toBe('/v1beta/models/a%2Fb%3Fc');
  });
});

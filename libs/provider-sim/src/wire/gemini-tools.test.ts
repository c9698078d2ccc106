import { describe, expect, it } from 'vitest';
import { readGeminiTools, simSignature } from './gemini-tools.ts';

const callTurn = { role: 'model', parts: [{ functionCall: { name: 'lookup', args: {} }, thoughtSignature: simSignature('c1') }] };
const answer = (functionResponse: unknown) => ({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }, callTurn, { role: 'user', parts: [{ functionResponse }] }] });

describe('readGeminiTools: function call turns', () => {
  it('takes a response named after the call; a lone result is its text, anything else its JSON', () => {
    expect(readGeminiTools(answer({ name: 'lookup', response: { result: 'sunny' } }))).toMatchObject({ toolResult: 'sunny' });
    expect(readGeminiTools(answer({ name: 'lookup', response: { temp: 20 } }))).toMatchObject({ toolResult: '{"temp":20}' });
  });

  it('refuses a response to no call, and one whose response is not an object', () => {
    expect(readGeminiTools(answer({ name: 'other', response: {} }))).toBe(
      '* GenerateContentRequest.contents[2].parts: functionResponse "other" answers no function call of the turn before.',
    );
    expect(readGeminiTools(answer({ name: 'lookup', response: 'sunny' }))).toBe(
      "Invalid value at 'contents[2].parts.function_response.response': expected an object",
    );
  });

  it('counts inline images and refuses inline data without a mime type', () => {
    const image = (inlineData: unknown) => ({ contents: [{ role: 'user', parts: [{ text: 'look' }, { inlineData }] }] });
    expect(readGeminiTools(image({ mimeType: 'image/png', data: 'AAAA' }))).toMatchObject({ images: 1 });
    expect(readGeminiTools(image({ data: 'AAAA' }))).toBe('* GenerateContentRequest.contents[0].parts: inline data needs mime_type and data');
  });
});

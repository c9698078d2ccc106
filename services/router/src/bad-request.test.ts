import { describe, expect, it } from 'vitest';
import { openAiParam } from './bad-request.ts';

describe('openAiParam', () => {
  it("names the OpenAI request's field for a path of Ultra's request", () => {
    expect(openAiParam('sampling.temperature')).toBe('temperature');
    expect(openAiParam('messages[2].parts[1].image.url')).toBe('messages[2].content[1].image_url.url');
    expect(openAiParam('tool_choice.function_name')).toBe('tool_choice.function.name');
    expect(openAiParam('response_format.name')).toBe('response_format.json_schema.name');
  });

  it('leaves a path with the same name on both as it is', () => {
    expect(openAiParam('messages[1].tool_call_id')).toBe('messages[1].tool_call_id');
    expect(openAiParam('model')).toBe('model');
  });
});

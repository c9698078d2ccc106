import { startStack, type Stack } from '@ultra/testkit';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A tool conversation begun on an OpenAI-type provider continues on an Anthropic-type one
 * when the first fails: real processes (simulator, router, agent, cache, health) over real
 * sockets, the official openai package as the client. The Anthropic simulator insists on
 * the Messages API's rules (each tool_use answered by a tool_result with its id in the
 * next user turn), so the OpenAI ids must survive the translation.
 */
let stack: Stack;
let openai: OpenAI;

const weather: ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'The weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const faults = (provider: string, body: Record<string, unknown>) => fetch(`${stack.simUrl}/_sim/providers/${provider}/faults`, { method: 'PUT', body: JSON.stringify(body) });

beforeAll(async () => {
  stack = await startStack({
    failover: '{ strategy: round-robin, sticky_sessions: true, cooldown: 300s, max_attempts: 3 }',
    extraConfig: 'models:\n  agent: { openai: gpt-4o-mini, anthropic: claude-3-5-haiku-latest }\n',
  });
  openai = new OpenAI({ baseURL: `http://127.0.0.1:${stack.ports.routerHttp}/v1`, apiKey: 'not-needed-yet', maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** Turn one of a conversation, until OpenAI answers it (round robin reaches it within two); the session is then pinned to it. */
async function firstTurnOnOpenAI(label: string) {
  for (let i = 0; i < 4; i++) {
    const session = `${label}-${i}`;
    const question: ChatCompletionMessageParam = { role: 'user', content: `Weather in Paris (${session})?` };
    const { data, response } = await openai.chat.completions
      .create({ model: 'agent', messages: [question], tools: [weather], tool_choice: 'required' }, { headers: { 'x-ultra-session': session } })
      .withResponse();
    if (response.headers.get('x-ultra-provider') === 'openai') return { session, question, message: data.choices[0]!.message };
  }
  throw new Error('round robin never reached openai');
}

describe('a tool conversation fails over from OpenAI to Anthropic', () => {
  it('plain and streamed: the tool result turn, refused by OpenAI, is answered by Anthropic with the ids kept', async () => {
    const plain = await firstTurnOnOpenAI('plain');
    const streamed = await firstTurnOnOpenAI('stream');
    const call = plain.message.tool_calls![0]!;
    expect(call.id).toMatch(/^call_/);
    await faults('openai', { errorRate: 1, errorStatus: 503 });
    try {
      const { data, response } = await openai.chat.completions
        .create(
          { model: 'agent', tools: [weather], messages: [plain.question, plain.message, { role: 'tool', tool_call_id: call.id, content: '{"temp_c":18}' }] },
          { headers: { 'x-ultra-session': plain.session } },
        )
        .withResponse();
      expect(response.headers.get('x-ultra-provider')).toBe('anthropic');
      expect(response.headers.get('x-ultra-attempts')).toMatch(/^openai:server_error:\d+ms(,openai:server_error:\d+ms)*,anthropic:ok:\d+ms$/);
      expect(data.choices[0]!.finish_reason).toBe('stop');
      expect(data.choices[0]!.message.content).toContain('tool result: {"temp_c":18}');

      const next = streamed.message.tool_calls![0]!;
      const stream = openai.chat.completions.stream(
        { model: 'agent', tools: [weather], messages: [streamed.question, streamed.message, { role: 'tool', tool_call_id: next.id, content: 'sunny' }] },
        { headers: { 'x-ultra-session': streamed.session } },
      );
      const final = await stream.finalChatCompletion();
      expect(final.choices[0]!.message.content).toContain('tool result: sunny');
      expect(final.choices[0]!.message.content).toContain('Simulated answer from anthropic');
    } finally {
      await faults('openai', {});
    }
  });
});

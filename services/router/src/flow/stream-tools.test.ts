import { create } from '@bufbuild/protobuf';
import { ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { CacheService, GetResponseSchema } from '@ultra/contracts/cache';
import { AttemptSchema, ChatRequestSchema, FinishReason, Outcome, Role } from '@ultra/contracts/chat';
import { ProviderAgentService, StreamInvokeResponseSchema } from '@ultra/contracts/provider-agent';
import { parseConfig } from '@ultra/config';
import { attemptsError } from '@ultra/runtime';
import { describe, expect, it } from 'vitest';
import type { FlowEvent } from '../chat-flow.ts';
import { inMemoryFlow } from './in-memory-flow.ts';

const request = create(ChatRequestSchema, { messages: [{ role: Role.USER, content: 'Weather?' }], tools: [{ name: 'get_weather', parameters: '{"type":"object"}' }] });
const piece = (index: number, fields: { id?: string; name?: string; arguments?: string }) => create(StreamInvokeResponseSchema, { event: { case: 'delta', value: { toolCalls: [{ index, ...fields }] } } });
const broken = (provider: string) => attemptsError(`${provider} broke`, Outcome.STREAM_BROKEN, [create(AttemptSchema, { provider, model: 'm', outcome: Outcome.STREAM_BROKEN, latencyMs: 1 })]);

/** A flow over openai then anthropic, whose agent streams what `script` yields for each. */
function flowWith(failover: string, script: (provider: string) => AsyncGenerator<ReturnType<typeof piece>>) {
  const config = parseConfig(`providers:\n  primary: [openai]\n  secondary: [anthropic]\nfailover: ${failover}\n`, 't.yaml', {});
  const cache: Partial<ServiceImpl<typeof CacheService>> = { get: () => create(GetResponseSchema, {}), put: () => ({}) };
  const agent: Partial<ServiceImpl<typeof ProviderAgentService>> = { streamInvoke: (req) => script(req.provider) };
  return inMemoryFlow(config, { cache, agent }, { seed: 1 }).flow;
}

async function collect(gen: AsyncGenerator<FlowEvent>) {
  const events: FlowEvent[] = [];
  try {
    for await (const e of gen) events.push(e);
    return { events };
  } catch (e) {
    return { events, error: ConnectError.from(e) };
  }
}

describe('streams with tool calls', () => {
  it('pass tool-call pieces on, and fail over before the first piece', async () => {
    const flow = flowWith('{ max_attempts: 2 }', async function* (provider) {
      if (provider === 'openai') throw attemptsError('openai down', Outcome.SERVER_ERROR, [create(AttemptSchema, { provider, model: 'm', outcome: Outcome.SERVER_ERROR, latencyMs: 1 })]);
      yield piece(0, { id: 'toolu_1', name: 'get_weather' });
      yield piece(0, { arguments: '{"city":"Paris"}' });
      yield create(StreamInvokeResponseSchema, {
        event: { case: 'done', value: { provider, finishReason: FinishReason.TOOL_CALLS, toolCalls: [{ id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' }], attempts: [create(AttemptSchema, { provider, outcome: Outcome.OK })] } },
      });
    });
    const { events, error } = await collect(flow.stream(request, { signal: new AbortController().signal }));
    expect(error).toBeUndefined();
    const pieces = events.flatMap((e) => (e.type === 'delta' ? (e.toolCalls ?? []) : []));
    expect(pieces.map((p) => [p.id, p.name, p.arguments])).toEqual([['toolu_1', 'get_weather', ''], ['', '', '{"city":"Paris"}']]);
    const done = events.at(-1);
    expect(done?.type === 'done' && done.answer.toolCalls[0]?.arguments).toBe('{"city":"Paris"}');
    expect(done?.type === 'done' && done.answer.attempts.map((a) => a.provider)).toEqual(['openai', 'anthropic']);
  });

  it('never resume a tool call cut off midway, even with stream_resume: continue', async () => {
    let asked = 0;
    const flow = flowWith('{ max_attempts: 2, stream_resume: continue }', async function* (provider) {
      asked++;
      yield piece(0, { id: 'call_1', name: 'get_weather', arguments: '{"ci' });
      throw broken(provider);
    });
    const { events, error } = await collect(flow.stream(request, { signal: new AbortController().signal }));
    expect(events.some((e) => e.type === 'done')).toBe(false);
    expect(error?.rawMessage).toBe('the stream from openai broke after 0 characters and part of a tool call had been sent; the answer is incomplete');
    expect(asked).toBe(1);
  });
});

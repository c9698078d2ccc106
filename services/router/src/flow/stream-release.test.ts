import { create } from '@bufbuild/protobuf';
import { createClient, createRouterTransport, type ServiceImpl } from '@connectrpc/connect';
import { CacheService } from '@ultra/contracts/cache';
import { ChatRequestSchema, Role } from '@ultra/contracts/chat';
import { ProviderAgentService, type StreamInvokeResponse } from '@ultra/contracts/provider-agent';
import { parseConfig } from '@ultra/config';
import { createSeededRandom, ManualClock } from '@ultra/core';
import { createLogger } from '@ultra/runtime';
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createChatFlow } from '../chat-flow.ts';
import { createModeState } from '../mode-state.ts';
import { createRouting } from '../routing/index.ts';

/** A flow whose agent streams two deltas and a done message, and says how each stream call ended. */
function flowWith() {
  const config = parseConfig('providers:\n  primary: [openai]\n', 'test.yaml', {});
  const calls: { ended: boolean; aborted: boolean }[] = [];
  const agentImpl: Partial<ServiceImpl<typeof ProviderAgentService>> = {
    async *streamInvoke(req, ctx) {
      const call = { ended: false, aborted: false };
      calls.push(call);
      ctx.signal.addEventListener('abort', () => (call.aborted = true));
      try {
        yield { event: { case: 'delta', value: { text: 'one ' } } } as StreamInvokeResponse;
        yield { event: { case: 'delta', value: { text: 'two' } } } as StreamInvokeResponse;
        yield { event: { case: 'done', value: { text: 'one two', provider: req.provider, model: req.model } } } as StreamInvokeResponse;
        call.ended = true;
      } finally {
        // runs when the stream is read to its end, and when the router cancels it
      }
    },
  };
  const cacheImpl: Partial<ServiceImpl<typeof CacheService>> = { get: () => ({ found: false }), put: () => ({}) };
  const clock = new ManualClock(1_000_000);
  const random = createSeededRandom(1);
  const flow = createChatFlow({
    config,
    cache: createClient(CacheService, createRouterTransport((r) => r.service(CacheService, cacheImpl))),
    agent: createClient(ProviderAgentService, createRouterTransport((r) => r.service(ProviderAgentService, agentImpl))),
    ...createRouting(config, clock, random),
    mode: createModeState(clock),
    clock,
    random,
    log: createLogger('test', { destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
  });
  return { flow, calls };
}

const ask = (content: string) => create(ChatRequestSchema, { messages: [{ role: Role.USER, content }] });

describe('a streamed answer frees the agent call', () => {
  it('reads the agent’s stream to its end once the answer is out', async () => {
    const { flow, calls } = flowWith();
    const events = [];
    for await (const e of flow.stream(ask('hi'), { signal: new AbortController().signal })) events.push(e.type);
    expect(events).toEqual(['delta', 'delta', 'done']);
    await vi.waitFor(() => expect(calls[0]).toEqual({ ended: true, aborted: false }));
  });

  it('cancels the agent call when the caller stops reading before the end', async () => {
    const { flow, calls } = flowWith();
    for await (const e of flow.stream(ask('bye'), { signal: new AbortController().signal })) {
      if (e.type === 'delta') break;
    }
    await vi.waitFor(() => expect(calls[0]).toEqual({ ended: false, aborted: true }));
  });
});

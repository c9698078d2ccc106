import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { CacheService } from '@ultra/contracts/cache';
import { ChatRequestSchema, Role } from '@ultra/contracts/chat';
import { ProviderAgentService, type StreamInvokeResponse } from '@ultra/contracts/provider-agent';
import { parseConfig } from '@ultra/config';
import { describe, expect, it, vi } from 'vitest';
import { inMemoryFlow } from './in-memory-flow.ts';

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
  const { flow } = inMemoryFlow(config, { cache: cacheImpl, agent: agentImpl });
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

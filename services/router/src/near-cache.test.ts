import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { CacheService, GetResponseSchema, Layer, LeaseOutcome, LeaseResponseSchema } from '@ultra/contracts/cache';
import { ChatAnswerSchema, ChatRequestSchema, Role, ServedFrom } from '@ultra/contracts/chat';
import { InvokeResponseSchema, ProviderAgentService } from '@ultra/contracts/provider-agent';
import { parseConfig } from '@ultra/config';
import { ManualClock } from '@ultra/core';
import { describe, expect, it, vi } from 'vitest';
import { createNearCache } from './near-cache.ts';
import { inMemoryFlow } from './flow/in-memory-flow.ts';

const answer = (text: string) => create(ChatAnswerSchema, { text, provider: 'openai' });

describe('near cache', () => {
  it('is off with a ttl of 0', () => {
    expect(createNearCache({ ttlMs: 0, maxEntries: 10 }, new ManualClock(0))).toBeUndefined();
  });

  it('keeps an answer for ttl ms, then forgets it', () => {
    const clock = new ManualClock(1000);
    const near = createNearCache({ ttlMs: 500, maxEntries: 10 }, clock)!;
    near.set('k', answer('a'));
    clock.advance(499);
    expect(near.get('k')?.text).toBe('a');
    clock.advance(1);
    expect(near.get('k')).toBeUndefined();
  });

  it('keeps at most maxEntries, the least recently used going first', () => {
    const near = createNearCache({ ttlMs: 1000, maxEntries: 2 }, new ManualClock(0))!;
    near.set('a', answer('a'));
    near.set('b', answer('b'));
    near.get('a');
    near.set('c', answer('c'));
    expect([near.get('a')?.text, near.get('b')?.text, near.get('c')?.text]).toEqual(['a', undefined, 'c']);
  });
});

describe('near cache in the request path', () => {
  function flowWith(nearTtl: string) {
    const config = parseConfig(`providers:\n  primary: [openai]\ncache: { near: { ttl: ${nearTtl} } }\n`, 'test.yaml', {});
    const entries = new Map<string, Uint8Array>();
    const calls: string[] = [];
    const cacheImpl: Partial<ServiceImpl<typeof CacheService>> = {
      get: (req) => {
        calls.push('get');
        const value = entries.get(req.key);
        return create(GetResponseSchema, value ? { found: true, value, layer: Layer.LOCAL } : { found: false });
      },
      lease: (req) => {
        calls.push('lease');
        const value = entries.get(req.key);
        return create(LeaseResponseSchema, value ? { outcome: LeaseOutcome.HIT, value, layer: Layer.LOCAL } : { outcome: LeaseOutcome.GRANTED, token: 't' });
      },
      put: (req) => {
        calls.push('put');
        entries.set(req.key, req.value);
        return {};
      },
      releaseLease: () => ({ released: true }),
    };
    let invoked = 0;
    const agentImpl: ServiceImpl<typeof ProviderAgentService> = {
      invoke: (req) => {
        invoked++;
        return create(InvokeResponseSchema, { answer: { text: `answer ${invoked}`, provider: req.provider, model: req.model } });
      },
      async *streamInvoke() {},
      async *watchProviders() {},
    };
    const { flow, clock } = inMemoryFlow(config, { cache: cacheImpl, agent: agentImpl });
    return { flow, calls, clock, entries, invoked: () => invoked };
  }

  const ask = (content: string) => create(ChatRequestSchema, { messages: [{ role: Role.USER, content }] });
  const opts = () => ({ signal: new AbortController().signal });

  it('answers a repeat from memory, with no call to the cache, until its ttl runs out', async () => {
    const { flow, calls, clock, entries } = flowWith('1s');
    expect((await flow.complete(ask('hi'), opts())).servedFrom).toBe(ServedFrom.PROVIDER);
    // The Put goes on after the answer is out.
    await vi.waitFor(() => expect(entries.size).toBe(1));
    calls.length = 0;
    const again = await flow.complete(ask('hi'), opts());
    expect(again.servedFrom).toBe(ServedFrom.CACHE);
    expect(again.text).toBe('answer 1');
    expect(again.attempts).toEqual([]);
    expect(calls).toEqual([]);
    clock.advance(1000);
    expect((await flow.complete(ask('hi'), opts())).servedFrom).toBe(ServedFrom.CACHE);
    expect(calls).toEqual(['lease']);
  });

  it('is shared by the streaming path', async () => {
    const { flow, calls, invoked, entries } = flowWith('1s');
    await flow.complete(ask('hi'), opts());
    await vi.waitFor(() => expect(entries.size).toBe(1));
    calls.length = 0;
    const events = [];
    for await (const e of flow.stream(ask('hi'), opts())) events.push(e);
    expect(events.at(-1)).toMatchObject({ type: 'done', answer: { servedFrom: ServedFrom.CACHE, text: 'answer 1' } });
    expect(calls).toEqual([]);
    expect(invoked()).toBe(1);
  });

  it('asks the cache every time when off (the default)', async () => {
    const { flow, calls, entries } = flowWith('0s');
    await flow.complete(ask('hi'), opts());
    await vi.waitFor(() => expect(entries.size).toBe(1));
    calls.length = 0;
    expect((await flow.complete(ask('hi'), opts())).servedFrom).toBe(ServedFrom.CACHE);
    expect(calls).toEqual(['lease']);
  });
});

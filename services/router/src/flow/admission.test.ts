import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { CacheService, GetResponseSchema, Layer } from '@ultra/contracts/cache';
import { AttemptSchema, ChatRequestSchema, Mode, Outcome, Priority, Role, ServedFrom } from '@ultra/contracts/chat';
import { InvokeResponseSchema, ProviderAgentService, StreamInvokeResponseSchema } from '@ultra/contracts/provider-agent';
import { parseConfig } from '@ultra/config';
import { describe, expect, it } from 'vitest';
import { inMemoryFlow } from './in-memory-flow.ts';

/** A flow over a cache that keeps what it is given, by key, and an agent that notes each request's max_tokens. */
function harness() {
  const config = parseConfig('providers:\n  primary: [openai, anthropic]\n', 't.yaml', {});
  const entries = new Map<string, Uint8Array>();
  const cache: Partial<ServiceImpl<typeof CacheService>> = {
    get: (req) => {
      const value = entries.get(req.key);
      return create(GetResponseSchema, value ? { found: true, layer: Layer.LOCAL, value } : {});
    },
    put: (req) => {
      entries.set(req.key, req.value);
      return {};
    },
  };
  const sent: (number | undefined)[] = [];
  const answer = (provider: string, maxTokens: number | undefined) => ({
    text: `answer within ${maxTokens ?? 'no'} tokens`,
    provider,
    attempts: [create(AttemptSchema, { provider, model: 'm', outcome: Outcome.OK, latencyMs: 1 })],
  });
  const agent: Partial<ServiceImpl<typeof ProviderAgentService>> = {
    invoke(req) {
      sent.push(req.request?.sampling?.maxTokens);
      return create(InvokeResponseSchema, { answer: answer(req.provider, req.request?.sampling?.maxTokens) });
    },
    async *streamInvoke(req) {
      sent.push(req.request?.sampling?.maxTokens);
      yield create(StreamInvokeResponseSchema, { event: { case: 'done', value: answer(req.provider, req.request?.sampling?.maxTokens) } });
    },
  };
  return { ...inMemoryFlow(config, { cache, agent }), sent, entries };
}

const ask = (maxTokens: number) =>
  create(ChatRequestSchema, { priority: Priority.HIGH, messages: [{ role: Role.USER, content: 'a long essay' }], sampling: { maxTokens } });
const signal = new AbortController().signal;
const settle = () => new Promise((r) => setImmediate(r));

describe("the critical mode's max_tokens cap", () => {
  it('caps what is sent, and an answer capped in CRITICAL is not served for the uncapped request in NORMAL', async () => {
    const { flow, mode, sent } = harness();
    mode.heard(Mode.CRITICAL, 'pinned by an operator');
    const capped = await flow.complete(ask(4000), { signal });
    expect(sent).toEqual([1024]);
    expect(capped.servedFrom).toBe(ServedFrom.PROVIDER);
    await settle(); // the store is not awaited by the answer

    mode.heard(Mode.NORMAL, '');
    const full = await flow.complete(ask(4000), { signal });
    expect(full.servedFrom).toBe(ServedFrom.PROVIDER);
    expect(full.text).toBe('answer within 4000 tokens');
    expect(sent).toEqual([1024, 4000]);
  });

  it('serves a capped answer from the cache to the same request in CRITICAL, under the key of what was sent', async () => {
    const { flow, mode, sent } = harness();
    mode.heard(Mode.CRITICAL, 'pinned by an operator');
    await flow.complete(ask(4000), { signal });
    await settle();
    const again = await flow.complete(ask(4000), { signal });
    expect(again.servedFrom).toBe(ServedFrom.CACHE);
    expect(again.text).toBe('answer within 1024 tokens');
    expect(sent).toEqual([1024]);
  });

  it('leaves a request within the cap as it is, and streams keep the same rule', async () => {
    const { flow, mode, sent } = harness();
    mode.heard(Mode.CRITICAL, 'pinned by an operator');
    await flow.complete(ask(500), { signal });
    expect(sent).toEqual([500]);
    mode.heard(Mode.DEGRADED, 'one provider down');
    const events = [];
    for await (const e of flow.stream(ask(4000), { signal })) events.push(e);
    expect(sent).toEqual([500, 4000]);
    expect(events.at(-1)).toMatchObject({ type: 'done', answer: { servedFrom: ServedFrom.PROVIDER } });
  });
});

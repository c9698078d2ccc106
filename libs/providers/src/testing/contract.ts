import { createServer } from 'node:net';
import { FinishReason, Outcome } from '@ultra/contracts/chat';
import { createSimulator, type FaultsInput, type Simulator } from '@ultra/provider-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../registry.ts';
import type { EndpointType, ProviderAdapter } from '../types.ts';
import { chat, drain, rejection, simEndpoint, simText } from './support.ts';

/** Faults and the outcome each must be classified as, for complete() and stream() alike. */
export const FAULT_OUTCOMES: ReadonlyArray<[string, FaultsInput, Outcome]> = [
  ['429', { errorStatus: 429, retryAfterMs: 2000 }, Outcome.RATE_LIMITED],
  ['529', { errorStatus: 529 }, Outcome.OVERLOADED],
  ['overloaded body', { errorKind: 'overloaded' }, Outcome.OVERLOADED],
  ['503 plain', { errorStatus: 503 }, Outcome.SERVER_ERROR],
  ['500', { errorStatus: 500 }, Outcome.SERVER_ERROR],
  ['502', { errorStatus: 502 }, Outcome.SERVER_ERROR],
  ['504', { errorStatus: 504 }, Outcome.TIMEOUT],
  ['408', { errorStatus: 408 }, Outcome.TIMEOUT],
  ['400', { errorStatus: 400 }, Outcome.BAD_REQUEST],
  ['404', { errorStatus: 404 }, Outcome.BAD_REQUEST],
  ['422', { errorStatus: 422 }, Outcome.BAD_REQUEST],
  ['401', { errorStatus: 401 }, Outcome.AUTH_FAILED],
  ['403', { errorStatus: 403 }, Outcome.AUTH_FAILED],
  ['413', { errorStatus: 413 }, Outcome.CONTEXT_TOO_LONG],
  ['context length', { errorKind: 'context_length' }, Outcome.CONTEXT_TOO_LONG],
  ['content filter', { errorKind: 'content_filter' }, Outcome.CONTENT_REFUSED],
];

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`a TCP server bound to 127.0.0.1:0 has no port (address ${String(address)})`);
  const { port } = address;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The behaviour every adapter must show against the simulator: plain and streamed
 * answers, probes, and every error class mapped the same way.
 */
export function describeAdapterContract(type: EndpointType): void {
  describe(`${type} adapter against the simulator`, () => {
    let sim: Simulator;
    let root: string;
    const name = `sim-${type}`;
    const model = 'sim-small';
    const adapter = (key?: string, base = root): ProviderAdapter => createAdapter(simEndpoint(base, name, type, key));
    const signal = () => AbortSignal.timeout(5000);

    beforeAll(async () => {
      sim = createSimulator({ seed: 7 });
      root = (await sim.listen()).url;
    });
    afterEach(() => sim.reset());
    afterAll(() => sim.close());

    it('answers a plain call', async () => {
      const answer = await adapter().complete(model, chat('What is Ultra?', { system: 'Be brief.' }), { signal: signal() });
      expect(answer.text).toBe(simText(name, model, 'What is Ultra?'));
      expect(answer.finishReason).toBe(FinishReason.STOP);
      expect(answer.usage.promptTokens).toBe(5);
      expect(answer.usage.completionTokens).toBe(answer.text.split(' ').length);
      expect(answer.usage.totalTokens).toBe(answer.usage.promptTokens + answer.usage.completionTokens);
      expect(answer.id).not.toBe('');
      expect(sim.stats().providers[name]?.requests).toBe(1);
    });

    it('maps a cut by max tokens to LENGTH', async () => {
      const answer = await adapter().complete(model, chat('hello', { maxTokens: 3 }), { signal: signal() });
      expect(answer).toMatchObject({ text: 'Simulated answer from', finishReason: FinishReason.LENGTH });
    });

    it('assembles a streamed answer from its chunks, ending with exactly one done', async () => {
      sim.setFaults(name, { chunks: 5 });
      const out = await drain(adapter().stream(model, chat('stream this please'), { signal: signal() }));
      expect(out.error).toBeUndefined();
      expect(out.deltas).toHaveLength(5);
      expect(out.done).toHaveLength(1);
      expect(out.events.at(-1)?.type).toBe('done');
      expect(out.done[0]!.text).toBe(out.deltas.join(''));
      expect(out.done[0]!.text).toBe(simText(name, model, 'stream this please'));
      expect(out.done[0]!.finishReason).toBe(FinishReason.STOP);
      expect(out.done[0]!.usage.completionTokens).toBeGreaterThan(0);
    });

    it('probes the model list, counted as a probe', async () => {
      await adapter().probe({ signal: signal() });
      expect(sim.stats().providers[name]).toMatchObject({ requests: 1, probes: 1 });
    });

    it.each(FAULT_OUTCOMES)('classifies %s the same for complete() and stream()', async (_label, faults, outcome) => {
      sim.setFaults(name, faults);
      const e = await rejection(adapter().complete(model, chat('hi'), { signal: signal() }));
      expect(e.outcome, e.message).toBe(outcome);
      expect(e.provider).toBe(name);
      if (outcome === Outcome.RATE_LIMITED) expect(e.retryAfterMs).toBe(2000);
      const streamed = await drain(adapter().stream(model, chat('hi'), { signal: signal() }));
      expect(streamed.error?.outcome, streamed.error?.message).toBe(outcome);
      expect(streamed.deltas).toEqual([]);
    });

    it('fails a probe with the fault classified', async () => {
      sim.setFaults(name, { errorStatus: 503 });
      expect((await rejection(adapter().probe({ signal: signal() }))).outcome).toBe(Outcome.SERVER_ERROR);
      expect(sim.stats().providers[name]).toMatchObject({ probes: 1, faults: 1 });
    });

    it('checks the key when the provider has one: AUTH_FAILED for a wrong key', async () => {
      const keyed = createSimulator({ apiKey: 'right-key-123456' });
      const keyedRoot = (await keyed.listen()).url;
      try {
        const ok = await adapter('right-key-123456', keyedRoot).complete(model, chat('hi'), { signal: signal() });
        expect(ok.text).toBe(simText(name, model, 'hi'));
        await adapter('right-key-123456', keyedRoot).probe({ signal: signal() });
        for (const key of ['wrong-key-654321', undefined]) {
          const e = await rejection(adapter(key, keyedRoot).complete(model, chat('hi'), { signal: signal() }));
          expect(e.outcome, e.message).toBe(Outcome.AUTH_FAILED);
          expect((await rejection(adapter(key, keyedRoot).probe({ signal: signal() }))).outcome).toBe(Outcome.AUTH_FAILED);
        }
      } finally {
        await keyed.close();
      }
    });

    it('maps a refused connection to CONNECTION', async () => {
      const dead = adapter(undefined, `http://127.0.0.1:${await closedPort()}`);
      expect((await rejection(dead.complete(model, chat('hi'), { signal: signal() }))).outcome).toBe(Outcome.CONNECTION);
      expect((await drain(dead.stream(model, chat('hi'), { signal: signal() }))).error?.outcome).toBe(Outcome.CONNECTION);
      expect((await rejection(dead.probe({ signal: signal() }))).outcome).toBe(Outcome.CONNECTION);
    });

    it('maps a connection reset to CONNECTION', async () => {
      sim.setFaults(name, { closeConnection: true });
      expect((await rejection(adapter().complete(model, chat('hi'), { signal: signal() }))).outcome).toBe(Outcome.CONNECTION);
      expect((await drain(adapter().stream(model, chat('hi'), { signal: signal() }))).error?.outcome).toBe(Outcome.CONNECTION);
    });

    it('maps a hang past the caller’s AbortSignal.timeout to TIMEOUT, and an abort to CANCELLED', async () => {
      sim.setFaults(name, { hang: true });
      const timedOut = await rejection(adapter().complete(model, chat('hi'), { signal: AbortSignal.timeout(100) }));
      expect(timedOut.outcome).toBe(Outcome.TIMEOUT);
      expect((await drain(adapter().stream(model, chat('hi'), { signal: AbortSignal.timeout(100) }))).error?.outcome).toBe(Outcome.TIMEOUT);
      const controller = new AbortController();
      const pending = rejection(adapter().complete(model, chat('hi'), { signal: controller.signal }));
      setTimeout(() => controller.abort(), 50);
      expect((await pending).outcome).toBe(Outcome.CANCELLED);
    });

    it('maps a stream cut after two chunks to STREAM_BROKEN with the partial text', async () => {
      sim.setFaults(name, { cutStreamAfterChunks: 2, chunks: 4 });
      const out = await drain(adapter().stream(model, chat('cut me off'), { signal: signal() }));
      expect(out.deltas).toHaveLength(2);
      expect(out.done).toEqual([]);
      expect(out.error?.outcome, out.error?.message).toBe(Outcome.STREAM_BROKEN);
      expect(out.error?.partialText).toBe(out.deltas.join(''));
      expect(simText(name, model, 'cut me off').startsWith(out.error?.partialText ?? '-')).toBe(true);
    });

    it('maps malformed JSON to MALFORMED_RESPONSE', async () => {
      sim.setFaults(name, { malformedJson: true });
      expect((await rejection(adapter().complete(model, chat('hi'), { signal: signal() }))).outcome).toBe(Outcome.MALFORMED_RESPONSE);
      const out = await drain(adapter().stream(model, chat('hi'), { signal: signal() }));
      expect(out.error?.outcome, out.error?.message).toBe(Outcome.MALFORMED_RESPONSE);
    });

    it('stops the HTTP call when the caller leaves a stream early', async () => {
      sim.setFaults(name, { chunks: 6 });
      for await (const e of adapter().stream(model, chat('leave early'), { signal: signal() })) {
        expect(e.type).toBe('delta');
        break;
      }
      const again = await adapter().complete(model, chat('still fine'), { signal: signal() });
      expect(again.text).toBe(simText(name, model, 'still fine'));
    });
  });
}

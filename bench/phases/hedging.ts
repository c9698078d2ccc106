import { startStack, type Stack } from '@ultra/testkit';
import type { BenchContext } from '../context.ts';
import { n } from '../context.ts';
import { closedLoop } from '../lib/closed-loop.ts';
import { createRecorder } from '../lib/samples.ts';
import { z } from 'zod';

/** What `GET /_sim/stats` says of each provider (the fields read here). */
const SimStats = z.object({ providers: z.record(z.string(), z.object({ requests: z.number(), probes: z.number() })) });

const PROVIDERS = ['openai', 'anthropic', 'google', 'cohere'];
/** The action plan's blocks, as `test/provider-hang.test.ts` runs them: the defaults users run. */
const ACTION_PLAN = {
  healthCheck: '{ interval: 30s, timeout: 5s, threshold: 3 }',
  failover: '{ strategy: round-robin, sticky_sessions: true, cooldown: 300s }',
};

export interface HedgingFigures {
  /** Callers of whole answers and of streams, at once. */
  concurrency: { plain: number; stream: number };
  /** Realistic traffic before the measured part (not counted: the router learns every provider's times). */
  warmupMs: number;
  durationMs: number;
  /** Requests answered in the measured part, and the failed ones. */
  requests: { plain: number; stream: number };
  errors: number;
  /** Chat calls the simulator had in the measured part (every provider). */
  calls: number;
  /** Calls the whole answers list beyond one each (failovers, the agent's retries): not hedges. */
  failovers: number;
  /** Calls beyond one per request and the failovers: hedges. */
  hedged: number;
  /** hedged / requests. */
  share: number;
}

async function chatCalls(simUrl: string): Promise<number> {
  const stats = SimStats.parse(await (await fetch(`${simUrl}/_sim/stats`)).json());
  return PROVIDERS.reduce((sum, p) => sum + (stats.providers[p]?.requests ?? 0) - (stats.providers[p]?.probes ?? 0), 0);
}

/** One call through the OpenAI-compatible front door; the attempts it lists (a stream's: none). */
async function chat(url: string, content: string, stream: boolean): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ultra-cache': 'no-store' },
    body: JSON.stringify({ model: 'chat', stream, messages: [{ role: 'user', content }] }),
  });
  const body = await res.text();
  if (res.status !== 200 || (stream && !body.includes('[DONE]'))) throw new Error(`${stream ? 'stream' : 'whole answer'}: ${res.status} ${body.slice(0, 160)}`);
  return stream ? 0 : (res.headers.get('x-ultra-attempts') ?? '').split(',').filter(Boolean).length;
}

/**
 * What the adaptive hedge costs a healthy fleet, on the defaults: a stack of its own
 * (testkit's, split processes) with the action plan's blocks and every provider answering
 * like a hosted API (the simulator's `realistic: {}`: first token median 800 ms, a few
 * hundred tokens at 50–100 tokens/s), whole answers and streams at once. Not the bench's
 * own stack: its agent gives a whole answer 1 s (`retry.attempt_timeout`, for the failover
 * phase). Hedged calls are the simulator's chat calls beyond one per answered request,
 * less the extra attempts the whole answers list.
 */
export async function hedgingPhase(ctx: BenchContext): Promise<HedgingFigures> {
  const { plan, runId } = ctx;
  const { concurrency, warmupMs, durationMs } = plan.hedging;
  const stack: Stack = await startStack(ACTION_PLAN);
  try {
    const url = `http://127.0.0.1:${stack.ports.routerHttp}`;
    for (const p of PROVIDERS) await fetch(`${stack.simUrl}/_sim/providers/${p}/faults`, { method: 'PUT', body: JSON.stringify({ realistic: {} }) }).then((r) => r.arrayBuffer());
    let failovers = 0;
    const loops = (ms: number, tag: string) =>
      Promise.all([
        closedLoop(
          async (i) => {
            failovers += Math.max(0, (await chat(url, `${runId}-hedge-${tag}-p${i}`, false)) - 1);
          },
          { concurrency: concurrency.plain, durationMs: ms, ok: createRecorder(10_000) },
        ),
        closedLoop((i) => chat(url, `${runId}-hedge-${tag}-s${i}`, true), { concurrency: concurrency.stream, durationMs: ms, ok: createRecorder(10_000) }),
      ]);
    await loops(warmupMs, 'w');
    failovers = 0;
    const before = await chatCalls(stack.simUrl);
    const [plain, stream] = await loops(durationMs, 'm');
    const calls = (await chatCalls(stack.simUrl)) - before;
    const requests = plain.completed + stream.completed;
    const errors = plain.errors + stream.errors;
    const hedged = Math.max(0, calls - requests - errors - failovers);
    const share = requests > 0 ? hedged / requests : 0;
    const why = [...plain.errorSamples, ...stream.errorSamples].join(' | ');
    ctx.log(`hedging: ${n(requests)} requests (${n(plain.completed)} whole, ${n(stream.completed)} streamed), ${errors} errors${why ? ` (${why})` : ''}, ${failovers} failovers, ${n(calls)} calls, ${hedged} hedged (${(share * 100).toFixed(2)} %)`);
    return { concurrency, warmupMs, durationMs, requests: { plain: plain.completed, stream: stream.completed }, errors, calls, failovers, hedged, share };
  } finally {
    await stack.stop();
  }
}

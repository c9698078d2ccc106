import type { BenchContext } from '../context.ts';
import { n } from '../context.ts';
import { closedLoop } from '../lib/closed-loop.ts';
import { promptOf } from '../lib/paths.ts';
import { createRecorder } from '../lib/samples.ts';

const PROVIDERS = ['openai', 'anthropic'];

export interface HedgingFigures {
  /** Callers of whole answers and of streams, at once. */
  concurrency: { plain: number; stream: number };
  /** Realistic traffic before the measured part (not counted: the routers learn the new first-event times). */
  warmupMs: number;
  durationMs: number;
  /** Requests answered in the measured part, and the failed ones. */
  requests: { plain: number; stream: number };
  errors: number;
  /** Chat calls the simulator had in the measured part (every provider). */
  calls: number;
  /** Calls beyond one per request: hedges (a healthy fleet fails over nowhere). */
  hedged: number;
  /** hedged / requests. */
  share: number;
}

async function chatCalls(simUrl: string): Promise<number> {
  const stats = (await (await fetch(`${simUrl}/_sim/stats`)).json()) as { providers: Record<string, { requests: number; probes: number }> };
  return PROVIDERS.reduce((sum, p) => sum + (stats.providers[p]?.requests ?? 0) - (stats.providers[p]?.probes ?? 0), 0);
}

const setFaults = (simUrl: string, provider: string, body: unknown) =>
  fetch(`${simUrl}/_sim/providers/${provider}/faults`, { method: 'PUT', body: JSON.stringify(body) }).then((r) => r.arrayBuffer());

/**
 * What the adaptive hedge costs a healthy fleet: every provider answers like a hosted API
 * (the simulator's `realistic` timing: first token ~0.5–2 s, 50–100 tokens/s, a few
 * hundred tokens), whole answers and streams at once on router A, on the default
 * `failover.hedging`. Hedged calls are the simulator's chat calls beyond one per answered
 * request (no provider fails, so nothing fails over).
 */
export async function hedgingPhase(ctx: BenchContext): Promise<HedgingFigures> {
  const { plan, runId, stack } = ctx;
  const { concurrency, warmupMs, durationMs } = plan.hedging;
  for (const p of PROVIDERS) await setFaults(stack.simUrl, p, { realistic: {} });
  try {
    const loops = async (ms: number, tag: string) => {
      const [plain, stream] = await Promise.all([
        closedLoop((i) => ctx.a.http(promptOf(`${runId}-hedge-${tag}-p${i}`), 'provider'), { concurrency: concurrency.plain, durationMs: ms, ok: createRecorder(10_000) }),
        closedLoop((i) => ctx.a.httpStream(promptOf(`${runId}-hedge-${tag}-s${i}`)), { concurrency: concurrency.stream, durationMs: ms, ok: createRecorder(10_000) }),
      ]);
      return { plain, stream };
    };
    await loops(warmupMs, 'w');
    const before = await chatCalls(stack.simUrl);
    const { plain, stream } = await loops(durationMs, 'm');
    const calls = (await chatCalls(stack.simUrl)) - before;
    const requests = plain.completed + stream.completed;
    const errors = plain.errors + stream.errors;
    const hedged = Math.max(0, calls - requests - errors);
    const share = requests > 0 ? hedged / requests : 0;
    ctx.log(`hedging: ${n(requests)} requests (${n(plain.completed)} whole, ${n(stream.completed)} streamed), ${errors} errors, ${n(calls)} calls, ${hedged} hedged (${(share * 100).toFixed(2)} %)`);
    return { concurrency, warmupMs, durationMs, requests: { plain: plain.completed, stream: stream.completed }, errors, calls, hedged, share };
  } finally {
    for (const p of PROVIDERS) await setFaults(stack.simUrl, p, {});
  }
}

import type { BenchContext } from '../context.ts';
import { promptOf } from '../lib/paths.ts';
import { runRounds } from '../lib/rounds.ts';
import { added, createRecorder, type Added, type Summary } from '../lib/samples.ts';
import { progress } from './miss.ts';

/** Time to first token at one concurrency, in ms, and what the router adds to it. */
export interface StreamFigures {
  concurrency: number;
  direct: Summary;
  http: Summary & { added: Added };
  grpc: Summary & { added: Added };
  errors: number;
}

/**
 * Streaming, cache miss: the simulator streams its answer at once (4 chunks, no delay);
 * time to the first text chunk straight from the simulator (SSE), through the router's
 * HTTP front (SSE) and its gRPC front (StreamComplete).
 */
export async function streamPhase(ctx: BenchContext): Promise<StreamFigures[]> {
  const { plan, runId } = ctx;
  const out: StreamFigures[] = [];
  for (const c of plan.stream.concurrency) {
    const ttft = { direct: createRecorder(), http: createRecorder(), grpc: createRecorder() };
    const runs = await runRounds(
      [
        { name: 'direct', fire: async (i) => ttft.direct.add(await ctx.direct.httpStream(promptOf(`${runId}-sd${c}-${i}`))) },
        { name: 'http', fire: async (i) => ttft.http.add(await ctx.a.httpStream(promptOf(`${runId}-sh${c}-${i}`))) },
        { name: 'grpc', fire: async (i) => ttft.grpc.add(await ctx.a.grpcStream(promptOf(`${runId}-sg${c}-${i}`))) },
      ],
      {
        rounds: plan.stream.rounds,
        perBlock: plan.stream.perBlock(c),
        blockMs: plan.stream.blockMs,
        concurrency: c,
        onRound: (r, runs) => ctx.log(`stream c=${c} round ${r + 1}/${plan.stream.rounds}: ${progress(runs)}`),
      },
    );
    const direct = ttft.direct.summary();
    const http = ttft.http.summary();
    const grpc = ttft.grpc.summary();
    const errors = [...runs.values()].reduce((sum, r) => sum + r.errors, 0);
    out.push({ concurrency: c, direct, http: { ...http, added: added(http, direct) }, grpc: { ...grpc, added: added(grpc, direct) }, errors });
  }
  return out;
}

import type { BenchContext } from '../context.ts';
import { n } from '../context.ts';
import { promptOf } from '../lib/paths.ts';
import { figuresOf, runRounds, type SubjectFigures, type SubjectRun } from '../lib/rounds.ts';
import { added, type Added } from '../lib/samples.ts';

/** The miss path at one concurrency: the simulator alone, and the full chain through each front door. */
export interface MissFigures {
  concurrency: number;
  direct: SubjectFigures;
  http: SubjectFigures & { added: Added };
  grpc: SubjectFigures & { added: Added };
}

export const progress = (runs: SubjectRun[]) =>
  runs.map((r) => `${r.name} ${n(r.completed)}${r.errors > 0 ? ` (${n(r.errors)} errors: ${r.errorSamples[0]})` : ''}`).join(', ');

/**
 * Cache miss, full chain: every request has a prompt never seen before, so the router
 * looks it up (local replica, then Redis), calls the agent, which calls the simulator,
 * and stores the answer (local replica and Redis) before answering. The baseline is the
 * same request sent straight to the simulator. Blocks of the three alternate in rounds.
 */
export async function missPhase(ctx: BenchContext): Promise<MissFigures[]> {
  const { plan, runId } = ctx;
  const out: MissFigures[] = [];
  for (const c of plan.miss.concurrency) {
    const runs = await runRounds(
      [
        { name: 'direct', fire: (i) => ctx.direct.http(promptOf(`${runId}-md${c}-${i}`)) },
        { name: 'http', fire: (i) => ctx.a.http(promptOf(`${runId}-mh${c}-${i}`), 'provider') },
        { name: 'grpc', fire: (i) => ctx.a.grpc(promptOf(`${runId}-mg${c}-${i}`), 'provider') },
      ],
      {
        rounds: plan.miss.rounds,
        perBlock: plan.miss.perBlock(c),
        blockMs: plan.miss.blockMs,
        concurrency: c,
        cpu: ctx.cpu,
        onRound: (r, runs) => ctx.log(`miss c=${c} round ${r + 1}/${plan.miss.rounds}: ${progress(runs)}`),
      },
    );
    const direct = figuresOf(runs.get('direct')!);
    const http = figuresOf(runs.get('http')!);
    const grpc = figuresOf(runs.get('grpc')!);
    out.push({ concurrency: c, direct, http: { ...http, added: added(http, direct) }, grpc: { ...grpc, added: added(grpc, direct) } });
  }
  return out;
}

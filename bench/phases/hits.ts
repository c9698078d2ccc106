import type { BenchContext } from '../context.ts';
import { n } from '../context.ts';
import { closedLoop } from '../lib/closed-loop.ts';
import { promptOf } from '../lib/paths.ts';
import { runRounds } from '../lib/rounds.ts';
import { createRecorder, type Summary } from '../lib/samples.ts';
import { progress } from './miss.ts';

/** Cache hits at one concurrency, whole round trip at the client, in ms. */
export interface HitFigures {
  concurrency: number;
  /** `/healthz` and `Health/Check` on the same router: the cost of the front door alone. */
  floorHttp: Summary;
  floorGrpc: Summary;
  /** Router A, a prompt its cache replica holds. */
  localHttp: Summary;
  localGrpc: Summary;
  /** Router B, each request a prompt router A answered and stored: B's replica misses, Redis has it. */
  redisHttp: Summary;
  redisGrpc: Summary;
  /** Router B, whose near cache (cache.near) is on, the same prompt again and again: answered from the router's memory. Absent in runs before it existed. */
  nearHttp?: Summary;
  nearGrpc?: Summary;
  errors: number;
  /** From the caches' Stats: hits each layer served during the measurement, and the requests sent. */
  verified: { localHits: number; localRequests: number; redisHits: number; redisRequests: number; nearRequests?: number; nearToCache?: number };
}

const tags = (runId: string, c: number) => ({ http: (i: number) => promptOf(`${runId}-rh${c}-${i}`), grpc: (i: number) => promptOf(`${runId}-rg${c}-${i}`) });

/**
 * Cache hits. Local: the same prompt again and again through router A, whose cache
 * replica holds it. Redis: router A first answers (and stores) a set of fresh prompts;
 * then router B, whose cache replica never saw them, is asked each of them once, so
 * each is a local miss and a Redis hit (the caches' counters confirm it). Floors: the
 * health endpoints of the same front doors.
 */
export async function hitsPhase(ctx: BenchContext): Promise<HitFigures[]> {
  const { plan, runId } = ctx;
  /** Prompts stored through router A, per concurrency: indices below this were sent on each front. */
  const stored = new Map<number, number>();
  for (const c of plan.hits.concurrency) {
    const count = plan.hits.rounds * plan.hits.perBlock(c);
    const t = tags(runId, c);
    const r = await closedLoop((i) => (i % 2 === 0 ? ctx.a.http(t.http(i >> 1), 'provider') : ctx.a.grpc(t.grpc(i >> 1), 'provider')), {
      concurrency: 32,
      total: 2 * count,
      durationMs: plan.hits.populateMaxMs / plan.hits.concurrency.length,
      ok: createRecorder(),
    });
    stored.set(c, Math.floor((r.completed + r.errors) / 2));
    ctx.log(`hits: router A answered and stored ${n(r.completed)} prompts for the Redis reads at c=${c}${r.errors ? ` (${r.errors} errors: ${r.errorSamples[0]})` : ''}`);
  }
  const hot = promptOf(`${runId}-hot`);
  for (let k = 0; k < 2; k++) {
    await ctx.a.http(hot, 'any');
    await ctx.a.grpc(hot, 'any');
    await ctx.b.http(hot, 'any');
    await ctx.b.grpc(hot, 'any');
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const out: HitFigures[] = [];
  for (const c of plan.hits.concurrency) {
    const t = tags(runId, c);
    const [a0, b0] = await Promise.all([ctx.cacheA.stats({}), ctx.cacheB.stats({})]);
    const runs = await runRounds(
      [
        { name: 'floor-http', fire: () => ctx.a.floorHttp() },
        { name: 'floor-grpc', fire: () => ctx.a.floorGrpc() },
        { name: 'local-http', fire: () => ctx.a.http(hot, 'cache') },
        { name: 'local-grpc', fire: () => ctx.a.grpc(hot, 'cache') },
        { name: 'redis-http', fire: (i) => ctx.b.http(t.http(i), 'cache'), limit: stored.get(c)! },
        { name: 'redis-grpc', fire: (i) => ctx.b.grpc(t.grpc(i), 'cache'), limit: stored.get(c)! },
        { name: 'near-http', fire: () => ctx.b.http(hot, 'cache') },
        { name: 'near-grpc', fire: () => ctx.b.grpc(hot, 'cache') },
      ],
      {
        rounds: plan.hits.rounds,
        perBlock: plan.hits.perBlock(c),
        blockMs: plan.hits.blockMs,
        concurrency: c,
        onRound: (r, runs) => ctx.log(`hits c=${c} round ${r + 1}/${plan.hits.rounds}: ${progress(runs)}`),
      },
    );
    const [a1, b1] = await Promise.all([ctx.cacheA.stats({}), ctx.cacheB.stats({})]);
    const s = (name: string) => runs.get(name)!.ok.summary();
    const done = (name: string) => runs.get(name)!.completed;
    out.push({
      concurrency: c,
      floorHttp: s('floor-http'),
      floorGrpc: s('floor-grpc'),
      localHttp: s('local-http'),
      localGrpc: s('local-grpc'),
      redisHttp: s('redis-http'),
      redisGrpc: s('redis-grpc'),
      nearHttp: s('near-http'),
      nearGrpc: s('near-grpc'),
      errors: [...runs.values()].reduce((sum, r) => sum + r.errors, 0),
      verified: {
        localHits: Number(a1.localHits - a0.localHits),
        localRequests: done('local-http') + done('local-grpc'),
        redisHits: Number(b1.redisHits - b0.redisHits),
        redisRequests: done('redis-http') + done('redis-grpc'),
        // Router B asks its cache for the hot prompt only when its near copy has expired
        // (the Redis reads are each asked once, so they are never local hits in cache B).
        nearRequests: done('near-http') + done('near-grpc'),
        nearToCache: Number(b1.localHits - b0.localHits),
      },
    });
    const v = out.at(-1)!.verified;
    ctx.log(
      `hits c=${c}: cache A served ${n(v.localHits)} local hits for ${n(v.localRequests)} requests; cache B ${n(v.redisHits)} Redis hits for ${n(v.redisRequests)}; router B's near cache answered ${n(v.nearRequests! - v.nearToCache!)} of ${n(v.nearRequests!)}`,
    );
  }
  return out;
}

import type { BenchContext } from '../context.ts';
import { n } from '../context.ts';
import { closedLoop } from '../lib/closed-loop.ts';
import { promptOf } from '../lib/paths.ts';
import { createRecorder, type Summary } from '../lib/samples.ts';

/** Resident memory through a long run of cache misses, in MB per process. */
export interface SoakFigures {
  concurrency: number;
  /** Requests after the warm-up reading: planned, and done within the time cap. */
  planned: number;
  requests: number;
  errors: number;
  rps: number;
  latency: Summary;
  /** RSS after the warm-up (the cache replica full), and after `requests` more, each after `settleMs` without load. */
  settleMs: number;
  afterWarmup: Record<string, number>;
  after: Record<string, number>;
  /** RSS per process after each chunk of requests. */
  curve: Array<{ requests: number; rssMb: Record<string, number> }>;
  cacheEntries: { warm: number; max: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * RSS once the load has stopped for `settleMs` (V8 shrinks an idle heap after a few
 * seconds, so a reading under load says more about the heap's sizing than about what
 * is kept), the lowest of five readings over the next second.
 */
async function settledRss(ctx: BenchContext, settleMs: number): Promise<Record<string, number>> {
  await sleep(settleMs);
  const low: Record<string, number> = {};
  for (let i = 0; i < 5; i++) {
    for (const [name, mb] of Object.entries(ctx.memory.now())) low[name] = Math.min(low[name] ?? Number.POSITIVE_INFINITY, mb);
    await sleep(200);
  }
  return low;
}

/**
 * Memory: cache misses (half HTTP, half gRPC) at high concurrency until router A's cache
 * replica is full (its LRU bound reached, so entries come and go from then on), RSS read;
 * then `soak.requests` more (or as many as `soak.maxMs` allows), RSS read after each
 * chunk and, settled, at the end. Every request is a new prompt, so every one is stored: the
 * worst case for anything that keeps per-request state.
 */
export async function soakPhase(ctx: BenchContext): Promise<SoakFigures> {
  const { plan, runId } = ctx;
  const { concurrency, chunk, maxMs } = plan.soak;
  let seq = 0;
  const fire = () => {
    const i = seq++;
    const prompt = promptOf(`${runId}-k${i}`);
    return i % 2 === 0 ? ctx.a.http(prompt, 'provider') : ctx.a.grpc(prompt, 'provider');
  };
  const started = performance.now();
  const warmCap = maxMs / 5;
  const latency = createRecorder(plan.soak.requests);
  const warm = await closedLoop(fire, { concurrency, total: plan.soak.warmup, durationMs: warmCap, ok: createRecorder() });
  let stats = await ctx.cacheA.stats({});
  while (stats.localEntries < stats.maxEntries && performance.now() - started < warmCap) {
    await closedLoop(fire, { concurrency, total: 2_000, ok: createRecorder() });
    stats = await ctx.cacheA.stats({});
  }
  const afterWarmup = await settledRss(ctx, plan.soak.settleMs);
  ctx.log(
    `soak: warm-up ${n(seq)} requests (${warm.errors} errors); cache A holds ${n(Number(stats.localEntries))} of ${n(Number(stats.maxEntries))} entries; RSS ${fmtRss(afterWarmup)}`,
  );
  const curve: SoakFigures['curve'] = [];
  let errors = 0;
  let elapsed = 0;
  let done = 0;
  const failed = new Set<string>();
  const stopAt = performance.now() + maxMs - (performance.now() - started);
  while (done < plan.soak.requests && performance.now() < stopAt) {
    const r = await closedLoop(fire, { concurrency, total: Math.min(chunk, plan.soak.requests - done), durationMs: stopAt - performance.now(), ok: latency });
    done += r.completed + r.errors;
    errors += r.errors;
    elapsed += r.elapsedMs;
    for (const e of r.errorSamples) failed.add(e);
    const rss = ctx.memory.now();
    curve.push({ requests: done, rssMb: rss });
    ctx.log(`soak: ${n(done)}/${n(plan.soak.requests)} requests, ${n((r.completed * 1000) / r.elapsedMs)} req/s, ${r.errors} errors; RSS ${fmtRss(rss)}`);
  }
  const after = await settledRss(ctx, plan.soak.settleMs);
  if (failed.size > 0) ctx.log(`soak errors: ${[...failed].slice(0, 3).join(' | ')}`);
  return {
    concurrency,
    planned: plan.soak.requests,
    requests: done,
    errors,
    rps: (latency.count * 1000) / elapsed,
    latency: latency.summary(),
    settleMs: plan.soak.settleMs,
    afterWarmup,
    after,
    curve,
    cacheEntries: { warm: Number(stats.localEntries), max: Number(stats.maxEntries) },
  };
}

export const fmtRss = (rss: Record<string, number>) =>
  ['router', 'agent', 'cache', 'health', 'simulator']
    .filter((k) => rss[k] !== undefined)
    .map((k) => `${k} ${rss[k]!.toFixed(0)}`)
    .join(', ') + ' MB';

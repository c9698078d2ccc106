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
  /** RSS after the warm-up (the cache replica full), and after `requests` more. */
  afterWarmup: Record<string, number>;
  after: Record<string, number>;
  /** RSS per process after each chunk of requests. */
  curve: Array<{ requests: number; rssMb: Record<string, number> }>;
  cacheEntries: { warm: number; max: number };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 1_500));

/**
 * Memory: cache misses (half HTTP, half gRPC) at high concurrency until router A's cache
 * replica is full (its LRU bound reached, so entries come and go from then on), RSS read;
 * then `soak.requests` more (or as many as `soak.maxMs` allows), RSS read after each
 * chunk and at the end. Every request is a new prompt, so every one is stored: the
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
  await settle();
  const afterWarmup = ctx.memory.now();
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
  await settle();
  const after = ctx.memory.now();
  if (failed.size > 0) ctx.log(`soak errors: ${[...failed].slice(0, 3).join(' | ')}`);
  return {
    concurrency,
    planned: plan.soak.requests,
    requests: done,
    errors,
    rps: (latency.count * 1000) / elapsed,
    latency: latency.summary(),
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

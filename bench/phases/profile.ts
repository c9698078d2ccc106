import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../context.ts';
import { n } from '../context.ts';
import { closedLoop } from '../lib/closed-loop.ts';
import { summarizeProfile, type ProfileSummary, type Suspect } from '../lib/cpu-profile.ts';
import { createRouterPaths, promptOf } from '../lib/paths.ts';
import { createRecorder } from '../lib/samples.ts';

export interface ProfileFigures {
  file: string;
  requests: number;
  rps: number;
  summary: ProfileSummary;
}

const has = (url: string, ...parts: string[]) => parts.some((p) => url.includes(p));

/** What may not need to be on the hot path, each matched against every frame of every sample. */
export const SUSPECTS: readonly Suspect[] = [
  { name: 'logging (pino)', test: (g) => g === 'pino' || g === 'sonic-boom' || g === 'thread-stream' || g.startsWith('pino-') },
  { name: 'schema validation (zod)', test: (g) => g === 'zod' },
  { name: 'request validation (runtime request-check.ts)', test: (_g, _f, url) => url.endsWith('libs/runtime/src/request-check.ts') },
  { name: 'cache key (JSON + SHA-256)', test: (_g, f, url) => url.endsWith('cache-key.ts') && f === 'cacheKey' },
  { name: 'protobuf encode (toBinary)', test: (g, _f, url) => g === '@bufbuild/protobuf' && has(url, 'to-binary', 'wire/binary-encoding') && !has(url, 'from-binary') },
  { name: 'protobuf decode (fromBinary)', test: (g, _f, url) => g === '@bufbuild/protobuf' && has(url, 'from-binary') },
  { name: 'protobuf create() copies', test: (g, f, url) => g === '@bufbuild/protobuf' && (f === 'create' || has(url, '/create.js')) },
  { name: 'JSON parse/stringify', test: (g, f) => (g === '(native)' || g === '') && (f === 'parse' || f === 'stringify') },
  { name: 'OpenAI front mapping (openai-mapping.ts)', test: (_g, _f, url) => url.endsWith('openai-mapping.ts') },
  { name: 'Connect protocol (@connectrpc)', test: (g) => g.startsWith('@connectrpc/') },
  { name: 'node:http2', test: (g) => g.includes('http2') },
  { name: 'node:http (HTTP/1.1 front)', test: (g) => g.startsWith('node:_http') || g === 'node:internal/http' },
  { name: 'AbortSignal / AbortController', test: (g) => g.includes('abort_controller') },
  { name: 'timers', test: (g) => g === 'node:internal/timers' || g === 'node:timers' },
  { name: 'garbage collection', test: (_g, f) => f === '(garbage collector)' },
];

/**
 * Profiles the hot path: a third router on cache A, started with `--cpu-prof`, under
 * cache-miss load (half HTTP, half gRPC) for `profile.durationMs`; stopped with SIGTERM
 * so that Node writes the profile; only the samples taken while the load ran count.
 */
export async function profilePhase(ctx: BenchContext): Promise<ProfileFigures> {
  const { plan, runId } = ctx;
  if (!ctx.stack.profiled) throw new Error('the stack was started without the profiled router');
  const { process: router, ports, dir } = ctx.stack.profiled;
  const paths = createRouterPaths(ports, 64);
  let seq = 0;
  const fire = () => {
    const i = seq++;
    const prompt = promptOf(`${runId}-p${i}`);
    return i % 2 === 0 ? paths.http(prompt, 'provider') : paths.grpc(prompt, 'provider');
  };
  await closedLoop(fire, { concurrency: plan.profile.concurrency, total: 2_000, durationMs: plan.profile.warmupMs, ok: createRecorder() });
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const r = await closedLoop(fire, { concurrency: plan.profile.concurrency, durationMs: plan.profile.durationMs, ok: createRecorder() });
  const toUs = Number(process.hrtime.bigint() / 1000n);
  paths.close();
  await router.stop('SIGTERM');
  // One file per thread: CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main one (1 is tsx's loader).
  const main = readdirSync(dir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (main === undefined) throw new Error(`the profiled router wrote no main-thread .cpuprofile in ${dir}`);
  const file = join(dir, main);
  const summary = summarizeProfile(file, SUSPECTS, { fromUs, toUs });
  ctx.log(`profile: ${n(r.completed)} requests in ${(r.elapsedMs / 1000).toFixed(1)} s (${n((r.completed * 1000) / r.elapsedMs)} req/s under the profiler), ${n(summary.samples)} samples, router busy ${summary.busyPct.toFixed(0)}%; ${file}`);
  return { file, requests: r.completed, rps: (r.completed * 1000) / r.elapsedMs, summary };
}

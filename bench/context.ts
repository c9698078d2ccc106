import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { CacheService } from '@ultra/contracts/cache';
import { createDirectPaths, createRouterPaths, type DirectPaths, type RouterPaths } from './lib/paths.ts';
import { cpuSnapshot, watchMemory, type MemoryWatch, type Pids } from './lib/memory-watch.ts';
import type { BenchStack } from './lib/stack.ts';
import type { Plan } from './plan.ts';

/** Everything a phase needs. */
export interface BenchContext {
  plan: Plan;
  stack: BenchStack;
  /** Makes this run's prompts unique, so nothing is answered from an earlier run's entries. */
  runId: string;
  direct: DirectPaths;
  /** Router A (the subject) and router B (the second pair, for Redis reads). */
  a: RouterPaths;
  b: RouterPaths;
  cacheA: Client<typeof CacheService>;
  cacheB: Client<typeof CacheService>;
  /** The long-running processes by name (redis-server included). */
  pids(): Pids;
  /** CPU ms used so far per process. */
  cpu(): Record<string, number>;
  memory: MemoryWatch;
  /** A progress line, with the time since the start. */
  log(line: string): void;
}

const MAX_CONCURRENCY = 64;

export function createContext(plan: Plan, stack: BenchStack, started: number): BenchContext {
  const pids = (): Pids => {
    const m = new Map<string, number>();
    for (const [name, p] of stack.processes) if (p.proc.exitCode === null && p.proc.signalCode === null && !name.startsWith('profiled')) m.set(name, p.pid);
    if (stack.redis.proc.pid !== undefined) m.set('redis', stack.redis.proc.pid);
    return m;
  };
  const cacheClient = (port: number) => createClient(CacheService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
  return {
    plan,
    stack,
    runId: Date.now().toString(36),
    direct: createDirectPaths(stack.simUrl, MAX_CONCURRENCY),
    a: createRouterPaths(stack.a, MAX_CONCURRENCY),
    b: createRouterPaths(stack.b, MAX_CONCURRENCY),
    cacheA: cacheClient(stack.a.cache),
    cacheB: cacheClient(stack.b.cache),
    pids,
    cpu: () => cpuSnapshot(pids()),
    memory: watchMemory(pids),
    log: (line) => process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}\n`),
  };
}

/** `12 345`-style counts for progress lines. */
export const n = (x: number) => Math.round(x).toLocaleString('en-US');

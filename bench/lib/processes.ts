import { readFileSync } from 'node:fs';
import { startProcess, type ServiceProcess } from '@ultra/testkit';

/** Lines of output kept per process (the last ones). */
const KEEP_LINES = 200;

/** One service (or the simulator) as its own OS process. */
export interface BenchProcess extends ServiceProcess {
  pid: number;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Node flags besides `--import tsx`, e.g. `--cpu-prof` (no telemetry instrumentation unless given). */
  execArgv?: string[];
  /** Node flags for this process, e.g. heap sizes to try (`bench/ab.ts --flags-b`); default none. */
  nodeFlags?: readonly string[];
  /** Ready when a line matches (besides the services' IPC ready message). */
  readyLine?: RegExp;
  /** The repository the entry point is in (default: this one), e.g. a copy with a change to compare. */
  root?: string;
}

/**
 * Runs a TypeScript entry point of the repository as its own process (testkit's
 * `startProcess`) with the Node flags given for this process alone (NODE_OPTIONS does not
 * take `--cpu-prof`), keeping only its last lines of output over a long run.
 */
export function spawnService(name: string, entry: string, args: string[], options: SpawnOptions = {}): BenchProcess {
  const p = startProcess(name, entry, args, {
    execArgv: [...(options.nodeFlags ?? []), ...(options.execArgv ?? [])],
    keepLines: KEEP_LINES,
    ...(options.env ? { env: options.env } : {}),
    ...(options.readyLine ? { readyLine: options.readyLine } : {}),
    ...(options.root ? { root: options.root } : {}),
  });
  return { ...p, pid: p.proc.pid ?? -1 };
}

/** Resident memory of a process from /proc/PID/status, in MB; undefined once it is gone. */
export function readMemory(pid: number): { rssMb: number; hwmMb: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** CPU time (user + system) a process has used so far, in ms: testkit's, where the chaos harness reads it too. */
export { readCpuMs } from '@ultra/testkit';

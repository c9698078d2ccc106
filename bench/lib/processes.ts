import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoPath } from '@ultra/testkit';

const tsx = import.meta.resolve('tsx');
/** Lines of output kept per process (the last ones). */
const KEEP_LINES = 200;

/** One service (or the simulator) as its own OS process. */
export interface BenchProcess {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** The last lines the process wrote to stdout or stderr. */
  output: string[];
  ready: Promise<void>;
  exited: Promise<number | string>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Node flags besides `--import tsx`, e.g. `--cpu-prof`. */
  execArgv?: string[];
  /** Node flags for this process, e.g. heap sizes to try (`bench/ab.ts --flags-b`); default none. */
  nodeFlags?: readonly string[];
  /** Ready when a line matches (besides the services' IPC ready message). */
  readyLine?: RegExp;
  /** The repository the entry point is in (default: this one), e.g. a copy with a change to compare. */
  root?: string;
}

/**
 * Runs a TypeScript entry point of the repository as its own process, like testkit's
 * `startProcess`, with extra Node flags for this process alone (NODE_OPTIONS does not
 * take `--cpu-prof`).
 */
export function spawnService(name: string, entry: string, args: string[], options: SpawnOptions = {}): BenchProcess {
  const proc = fork(options.root ? join(options.root, entry) : repoPath(entry), args, {
    execArgv: ['--import', tsx, ...(options.nodeFlags ?? []), ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output: string[] = [];
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const ready = new Promise<void>((resolve, reject) => {
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        if (output.length > KEEP_LINES) output.shift();
        if (options.readyLine?.test(line)) resolve();
      });
    }
    proc.on('message', (m) => {
      if ((m as { type?: string }).type === 'ready') resolve();
    });
    void exited.then((code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${output.join('\n')}`)));
  });
  ready.catch(() => undefined);
  return {
    name,
    proc,
    pid: proc.pid ?? -1,
    output,
    ready,
    exited,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
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

/** Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on every Linux this runs on). */
const USER_HZ = 100;

/** CPU time (user + system) a process has used so far, in ms; undefined once it is gone. */
export function readCpuMs(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces) start at state; utime and stime are fields 14 and 15.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

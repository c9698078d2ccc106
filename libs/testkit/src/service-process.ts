import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** tsx's loader, for `--import` in a process that runs TypeScript. */
export const tsx = import.meta.resolve('tsx');
const otel = import.meta.resolve('@ultra/telemetry/instrumentation');
/** The Node flags a service gets after `--import tsx` unless told otherwise: the telemetry instrumentation, as `ultra start` runs services. */
export const defaultNodeFlags: readonly string[] = ['--import', otel];

/** A path inside the repository. */
export const repoPath = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

export interface ServiceProcess {
  name: string;
  proc: ChildProcess;
  /** The lines the process wrote to stdout or stderr so far (the last `keepLines` of them). */
  output: string[];
  /** Resolves when the process reports ready (IPC) or prints `readyLine`. */
  ready: Promise<void>;
  /** Resolves with the exit status (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface StartProcessOptions {
  env?: NodeJS.ProcessEnv;
  /** Ready when a line matches (besides the services' IPC ready message). */
  readyLine?: RegExp;
  /** Node flags after `--import tsx` (default: the telemetry instrumentation, as `ultra start` runs services). */
  execArgv?: string[];
  /** The repository the entry point is in (default: this one), e.g. a copy with a change to compare. */
  root?: string;
  /** Keep only the last this many lines of output (default: all). */
  keepLines?: number;
}

/** Runs a TypeScript entry point of the repository as its own OS process. */
export function startProcess(name: string, entry: string, args: string[], options: StartProcessOptions = {}): ServiceProcess {
  const keep = options.keepLines ?? Number.POSITIVE_INFINITY;
  const proc = fork(options.root ? join(options.root, entry) : repoPath(entry), args, {
    execArgv: ['--import', tsx, '--conditions=ultra-source', ...(options.execArgv ?? defaultNodeFlags)],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output: string[] = [];
  const sent = new Set<string>();
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const ready = new Promise<void>((resolve, reject) => {
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        if (output.length > keep) output.shift();
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
    output,
    ready,
    exited,
    /** Sends `signal` once (a process shared by several services is asked once), then waits for the exit. */
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null && !sent.has(signal)) {
        sent.add(signal);
        proc.kill(signal);
      }
      return exited;
    },
  };
}

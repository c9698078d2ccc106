import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const tsx = import.meta.resolve('tsx');
const otel = import.meta.resolve('@ultra/telemetry/instrumentation');

/** A path inside the repository. */
export const repoPath = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

export interface ServiceProcess {
  name: string;
  proc: ChildProcess;
  /** Every line the process wrote to stdout or stderr so far. */
  output: string[];
  /** Resolves when the process reports ready (IPC) or prints `readyLine`. */
  ready: Promise<void>;
  /** Resolves with the exit status (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Runs a TypeScript entry point of the repository as its own OS process. */
export function startProcess(
  name: string,
  entry: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; readyLine?: RegExp } = {},
): ServiceProcess {
  const proc = fork(repoPath(entry), args, {
    execArgv: ['--import', tsx, '--import', otel],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output: string[] = [];
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const ready = new Promise<void>((resolve, reject) => {
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
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
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

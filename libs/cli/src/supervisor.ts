import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { isRecord, systemClock, type Clock } from '@ultra/core';
import { backoffDelay } from '@ultra/resilience/backoff';
import { launch, type ProcessSpec } from './processes.ts';

export interface SupervisorOptions {
  /** Writes one line for a person. */
  print: (line: string) => void;
  /** Renders a child's output line. */
  format: (service: string, index: number, line: string) => string;
  env: NodeJS.ProcessEnv;
  /** How long each child gets to drain on stop before SIGKILL, ms. */
  stopGraceMs: number;
  /** Longest wait for a child to report ready, ms. Default 60 000. */
  readyTimeoutMs?: number;
  /** Time for the restart backoff and the timeouts. Default: the system clock. */
  clock?: Clock;
}

interface Child {
  spec: ProcessSpec;
  index: number;
  proc?: ChildProcess;
  restarts: number;
  startedAt: number;
}

const running = (proc: ChildProcess | undefined): proc is ChildProcess => proc !== undefined && proc.exitCode === null && proc.signalCode === null;

/** Exit status of a child whose config was rejected: restarting it cannot help. */
const CONFIG_ERROR = 2;

/** A child that stayed up this long before it exited starts its backoff again from the first step. */
const STABLE_MS = 60_000;

/** 500 ms doubling to 30 s, without jitter: one supervisor restarting its own child has no crowd to spread out. */
const RESTART_BACKOFF = { baseMs: 500, capMs: 30_000, jitter: 'none' } as const;

/** The jitter's draw, which `'none'` never makes. */
const noRandom = () => 0;

/**
 * The wait before restarting a child that exited after `restarts` restarts, having been
 * up `upMs`: 500 ms doubling to 30 s, from the first step again after a stable run.
 * Returns the wait and the restart count to keep.
 */
export function restartDelay(restarts: number, upMs: number): { delayMs: number; restarts: number } {
  const n = upMs > STABLE_MS ? 0 : restarts;
  return { delayMs: backoffDelay(RESTART_BACKOFF, n + 1, noRandom), restarts: n + 1 };
}

/**
 * Runs each process of the stack as its own OS process, restarts one that crashes (with
 * a backoff from 500 ms doubling to 30 s), and stops them all, last started first.
 */
export function createSupervisor(specs: readonly ProcessSpec[], options: SupervisorOptions) {
  const clock = options.clock ?? systemClock;
  const children: Child[] = specs.map((spec, index) => ({ spec, index, restarts: 0, startedAt: 0 }));
  let stopping = false;
  let onFatal: ((code: number) => void) | undefined;
  const fatal = new Promise<number>((resolve) => (onFatal = resolve));

  const spawnChild = (child: Child): Promise<void> =>
    new Promise((resolve, reject) => {
      const { entry, execArgv, args } = launch(child.spec);
      const proc = fork(entry, args, {
        execArgv,
        env: options.env,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        // Its own process group: Ctrl-C reaches only the supervisor, which stops the
        // children in order. A child whose supervisor dies sees its IPC channel close and stops.
        detached: true,
      });
      child.proc = proc;
      child.startedAt = clock.now();
      let ready = false;
      const markReady = () => {
        if (ready) return;
        ready = true;
        options.print(`ultra: ${child.spec.name} is up (pid ${proc.pid})`);
        clock.clearTimeout(timer);
        resolve();
      };
      const timer = clock.setTimeout(
        () => reject(new Error(`${child.spec.name} did not report ready within ${options.readyTimeoutMs ?? 60_000} ms`)),
        options.readyTimeoutMs ?? 60_000,
      );
      for (const stream of [proc.stdout!, proc.stderr!]) {
        createInterface({ input: stream }).on('line', (line) => {
          options.print(options.format(child.spec.name, child.index, line));
          if (child.spec.readyLine?.test(line)) markReady();
        });
      }
      proc.on('message', (msg) => {
        if (isRecord(msg) && msg['type'] === 'ready') markReady();
      });
      proc.once('exit', (code, signal) => {
        clock.clearTimeout(timer);
        if (stopping) return resolve(); // a start cut short by a stop

        if (code === CONFIG_ERROR) {
          options.print(`ultra: ${child.spec.name} rejected the configuration; stopping`);
          onFatal?.(CONFIG_ERROR);
          return;
        }
        if (!ready) {
          reject(new Error(`${child.spec.name} exited before it was ready (${signal ?? `status ${code}`})`));
          return;
        }
        const next = restartDelay(child.restarts, clock.now() - child.startedAt);
        child.restarts = next.restarts;
        options.print(`ultra: ${child.spec.name} exited (${signal ?? `status ${code}`}); restarting in ${next.delayMs} ms`);
        clock.setTimeout(() => {
          if (!stopping) spawnChild(child).catch((err: Error) => options.print(`ultra: ${err.message}`));
        }, next.delayMs);
      });
    });

  const stopChild = async (child: Child): Promise<void> => {
    const proc = child.proc;
    if (!running(proc)) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = clock.setTimeout(() => proc.kill('SIGKILL'), options.stopGraceMs);
    await exited;
    clock.clearTimeout(timer);
  };

  return {
    /** Starts every process in order, each once the one before is ready; a stop ends it early. */
    async start(): Promise<void> {
      for (const child of children) {
        if (stopping) return;
        await spawnChild(child);
      }
    },
    /** Resolves with an exit status when the stack cannot go on (a config error). */
    fatal,
    /**
     * Stops the stack: the last started (the router, the only one taking outside requests)
     * first, so that its in-flight requests still reach the others, then every other at
     * once; each gets SIGTERM, then SIGKILL after `stopGraceMs`. At most twice that in all.
     */
    async stop(): Promise<void> {
      stopping = true;
      const [front, ...rest] = [...children].reverse();
      if (front) await stopChild(front);
      await Promise.all(rest.map(stopChild));
    },
    /** Kills (SIGKILL) every child still running, for a second Ctrl-C. */
    kill(): void {
      stopping = true;
      for (const child of children) if (running(child.proc)) child.proc.kill('SIGKILL');
    },
    pids: () => children.map((c) => ({ name: c.spec.name, pid: c.proc?.pid })),
  };
}

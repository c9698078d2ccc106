import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { closedLoop, type CallResult, type LoadOptions } from './load.ts';
import { tsx } from './service-process.ts';

/** A load process started and ready: its modules are loaded, its callers not yet sent. */
export interface LoadProcess {
  /**
   * Runs `closedLoop` with `options` in the process; the results come back when the loop
   * ends, or when `signal` aborts (each caller finishes its call in progress). Once only.
   */
  run(options: LoadOptions, signal?: AbortSignal): Promise<CallResult[]>;
  /** Ends the process unused. */
  kill(): void;
}

/**
 * A process of its own for `closedLoop`: for a crowd whose own event loop must not delay the
 * callers being measured (in one process, the answers of 512 callers are read in the same
 * loop as those of the 8 measured beside them, and their wait is counted as Ultra's).
 * Resolves once the process has loaded its modules, so that what its start costs the
 * machine (a second of CPU to compile them) is spent before the load it makes is measured.
 */
export function startLoadProcess(): Promise<LoadProcess> {
  const child = fork(fileURLToPath(import.meta.url), ['--load-child'], { execArgv: ['--import', tsx, '--conditions=ultra-source'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`the load process exited with code ${code} before it was ready`)));
    child.once('message', (m) => {
      if (m !== 'ready') return reject(new Error(`the load process said ${JSON.stringify(m)} before it was ready`));
      resolve({
        run(options, signal) {
          return new Promise((done, fail) => {
            let results: CallResult[] | undefined;
            child.once('message', (r) => (results = r as CallResult[]));
            void exited.then((code) => (results ? done(results) : fail(new Error(`the load process exited with code ${code} before it reported`))));
            child.send(options);
            signal?.addEventListener('abort', () => child.connected && child.send('stop'), { once: true });
          });
        },
        kill: () => void child.kill(),
      });
    });
  });
}

if (process.argv.includes('--load-child') && process.send) {
  process.once('message', (received) => {
    const options = { ...(received as LoadOptions) };
    process.on('message', (m) => m === 'stop' && Object.assign(options, { until: Date.now() }));
    void closedLoop(options).then((results) => process.send!(results, () => process.disconnect()));
  });
  process.send('ready');
}

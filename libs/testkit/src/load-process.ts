import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { closedLoop, type CallResult, type LoadOptions } from './load.ts';
import { tsx } from './service-process.ts';

/**
 * `closedLoop` in a process of its own: for a crowd whose own event loop must not delay the
 * callers being measured (in one process, the answers of 512 callers are read in the same
 * loop as those of the 8 measured beside them, and their wait is counted as Ultra's). The
 * results come back when the loop ends, or when `signal` aborts; a child that dies rejects
 * with its exit code.
 */
export function closedLoopInProcess(options: LoadOptions, signal?: AbortSignal): Promise<CallResult[]> {
  const child = fork(fileURLToPath(import.meta.url), ['--load-child'], { execArgv: ['--import', tsx, '--conditions=ultra-source'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let results: CallResult[] | undefined;
    child.once('message', (m) => (results = m as CallResult[]));
    child.once('error', reject);
    child.once('exit', (code) => (results ? resolve(results) : reject(new Error(`the load process exited with code ${code} before it reported`))));
    child.send(options);
    // aborting ends the callers' loops early (each finishes its call in progress); the results so far come back
    signal?.addEventListener('abort', () => child.connected && child.send('stop'), { once: true });
  });
}

if (process.argv.includes('--load-child') && process.send) {
  process.once('message', (received) => {
    const options = { ...(received as LoadOptions) };
    process.on('message', (m) => m === 'stop' && Object.assign(options, { until: Date.now() }));
    void closedLoop(options).then((results) => process.send!(results, () => process.disconnect()));
  });
}

import { parseArgs } from 'node:util';
import { errorMessage } from '@ultra/core';
import { createSimulator } from './simulator.ts';

/**
 * Runs the provider simulator:
 * `node --import tsx libs/provider-sim/src/main.ts --port 50091 --host 127.0.0.1 [--seed N]`.
 * Prints `provider-sim listening on http://HOST:PORT` once ready; exits 0 on SIGTERM or
 * SIGINT (or its parent's IPC channel closing) after closing, 2 on bad arguments, 1 when it cannot start.
 */
async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { port: { type: 'string', default: '50091' }, host: { type: 'string', default: '127.0.0.1' }, seed: { type: 'string' } },
      strict: true,
    }));
  } catch (e) {
    console.error(`provider-sim: ${errorMessage(e)}`);
    process.exit(2);
  }
  const port = Number(values.port);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`provider-sim: --port must be an integer 0..65535, got "${values.port}"`);
    process.exit(2);
  }
  if (seed !== undefined && !Number.isInteger(seed)) {
    console.error(`provider-sim: --seed must be an integer, got "${values.seed}"`);
    process.exit(2);
  }
  const sim = createSimulator(seed === undefined ? {} : { seed });
  const { url } = await sim.listen(port, values.host);
  console.log(`provider-sim listening on ${url}`);
  const stop = () => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Forked by `ultra start`: when the supervisor is gone (the IPC channel closed), stop too.
  if (process.send && !process.connected) stop();
  else if (process.send) process.once('disconnect', stop);
}

main().catch((e: unknown) => {
  console.error(`provider-sim: ${errorMessage(e)}`);
  process.exit(1);
});

import { readFile } from 'node:fs/promises';
import { createSeededRandom, systemRandom } from '@ultra/core';
import { TOXIPROXY_API_VERSION } from './api-handlers.ts';
import { parseCliArgs, usage } from './cli-args.ts';
import { startFaultProxy } from './fault-proxy.ts';

/**
 * `npm run toxiproxy -- --port 8474`: runs the fault proxy on its own, for breaking a
 * local setup by hand with curl or any Toxiproxy client. Prints one line once listening;
 * exits 0 on SIGINT or SIGTERM, 1 when it cannot start.
 */
async function main(): Promise<void> {
  const args = parseCliArgs(process.argv.slice(2));
  if (args.help) {
    console.log(usage);
    return;
  }
  const random = args.seed === undefined ? systemRandom : createSeededRandom(args.seed);
  const proxy = await startFaultProxy({ host: args.host, port: args.port, random });
  const stop = (): void => {
    proxy.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (args.config !== undefined) {
    const res = await fetch(`${proxy.url}/populate`, { method: 'POST', body: await readFile(args.config, 'utf8') });
    if (!res.ok) throw new Error(`populating from ${args.config} failed: ${res.status} ${await res.text()}`);
  }
  console.log(`toxiproxy-compatible fault proxy (API ${TOXIPROXY_API_VERSION}) listening on ${proxy.url}`);
}

main().catch((err: unknown) => {
  console.error(`toxiproxy: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

import { isConfigError, loadConfig } from '@ultra/config';
import { parseDuration, systemClock, systemRandom } from '@ultra/core';
import { createRedisConnection } from '@ultra/runtime/redis';
import { parseArgs } from 'node:util';
import { createJobQueue } from './job-queue.ts';
import { createJobWorker } from './job-worker.ts';
import { createStubFlow } from './stub-flow.ts';

/**
 * A process that runs one queue worker and nothing else, against the stand-in flow
 * (`--stub-delay 100ms`): the process the crash test SIGKILLs. It reads the same config
 * (`--config`, `queue:`) and `REDIS_URL` as the router, prints `queue worker ready`, and
 * counts each answer the flow gives in Redis (`<key_prefix>:stub-answers`, one field per
 * idempotency key), so a test can tell how often a job's work was done. Real workers run
 * inside router replicas (`queue.worker: true`).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' }, 'stub-delay': { type: 'string' } } });
  let config;
  try {
    config = loadConfig({ file: values.config, env: process.env });
  } catch (e) {
    if (!isConfigError(e)) throw e;
    process.stderr.write(`queue worker: ${e.message}\n`);
    process.exit(2);
  }
  const redisUrl = config.cache.redisUrl?.reveal();
  const delayMs = values['stub-delay'] === undefined ? undefined : parseDuration(values['stub-delay']);
  if (!redisUrl || delayMs === undefined) {
    process.stderr.write('queue worker: needs REDIS_URL and --stub-delay <duration> (it runs a stand-in flow; the real worker runs in the router)\n');
    process.exit(2);
  }
  const queue = createJobQueue({ redisUrl, config: config.queue, clock: systemClock, onError: (err) => process.stderr.write(`queue worker: ${err.message}\n`) });
  const counts = createRedisConnection(redisUrl, { maxRetriesPerRequest: null, connectionName: 'ultra-queue-stub-counts' });
  const stub = createStubFlow({ delayMs, clock: systemClock });
  const flow: typeof stub = {
    async complete(request, options) {
      const answer = await stub.complete(request, options);
      await counts.hincrby(`${config.queue.keyPrefix}:stub-answers`, request.idempotencyKey, 1);
      return answer;
    },
  };
  const worker = createJobWorker({ queue, flow, random: systemRandom });
  await worker.bull.waitUntilReady();
  process.stdout.write('queue worker ready\n');
  const stop = async () => {
    await worker.close(config.shutdown.graceMs);
    await queue.close();
    counts.disconnect();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`queue worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { sourceResolution } from '../vitest.config.ts';

/**
 * #22's overload test (512 low-priority callers beside 8 high-priority ones) on its own,
 * `npm run test:overload`: it runs in `npm test` too, but the latencies it logs (high
 * priority's p99 against its unloaded p99) mean most on a machine with nothing beside it.
 */
export default defineConfig({
  ...sourceResolution,
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/load-overload.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { sourceResolution } from '../../vitest.config.ts';

/**
 * The chaos matrix's CI subset (`matrix.test.ts`), run by `npm test` after the main suite
 * and on its own: each scenario judges latencies of a dozen processes on the machine,
 * which ~95 other test files running beside it would distort. Its results go to their
 * own file, which `.ci/run` adds to the main suite's.
 */
export default defineConfig({
  ...sourceResolution,
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/chaos/matrix.test.ts'],
    fileParallelism: false,
    testTimeout: 150_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/test-results-chaos.json' },
  },
});

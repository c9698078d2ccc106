import { defineConfig } from 'vitest/config';
import { sourceResolution } from '../vitest.config.ts';

/** The bench's own unit tests: `npx vitest run --config bench/vitest.config.ts`. */
export default defineConfig({
  ...sourceResolution,
  test: { include: ['bench/**/*.test.ts'], root: new URL('..', import.meta.url).pathname },
});

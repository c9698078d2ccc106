import { defaultServerConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';

/** Tests run the TypeScript source: the `ultra-source` export condition points each @ultra/* package at src/. */
export const sourceConditions = { conditions: ['ultra-source', ...defaultServerConditions] };
/**
 * For every vitest config here: tests run in the server environment, so its own resolve
 * options (and the conditions of imports it leaves to Node) need the condition too; without
 * them an @ultra/* import resolved to dist/, stale until a rebuild.
 */
export const sourceResolution = {
  resolve: sourceConditions,
  // (not `module` here: it would send packages such as @opentelemetry/api to builds meant for bundlers, which Node cannot load)
  ssr: { resolve: { conditions: ['ultra-source', 'node'] } },
};

export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['libs/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    // The chaos matrix runs after this suite, on its own (test/chaos/vitest.config.ts).
    exclude: [...configDefaults.exclude, 'test/chaos/matrix.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/test-results.json' },
  },
});

import { defaultServerConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';

/** Tests run the TypeScript source: the `ultra-source` export condition points each @ultra/* package at src/. */
export const sourceConditions = { conditions: ['ultra-source', ...defaultServerConditions] };

export default defineConfig({
  resolve: sourceConditions,
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

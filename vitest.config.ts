import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
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

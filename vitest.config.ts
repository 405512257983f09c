import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // After-hooks run in reverse order of registration (test/helpers/databases.ts relies on it).
    sequence: { hooks: 'stack' },
    reporters: ['default', './test/reporter.ts'],
  },
});

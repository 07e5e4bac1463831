import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real redis-server processes: one global check that the binary exists, then bounded tests.
    globalSetup: ['test/setup/require-redis-server.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: end-to-end files start their own servers; keep parallelism modest.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
